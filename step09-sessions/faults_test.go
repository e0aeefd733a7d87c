package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// TestPagesSurviveMemcachedOutage stops one, then both of the app's two
// memcached servers: pages and writes go on, without waiting, and the cache
// is used again when the servers return, without a restart.
func TestPagesSurviveMemcachedOutage(t *testing.T) {
	a, b := testenv.OwnMemcached(t), testenv.OwnMemcached(t)
	const retryAfter = 500 * time.Millisecond
	srv, _ := newTestServerEnv(t, map[string]string{
		"DATABASE_URL":      testenv.SQLiteURL(t),
		"MEMCACHED_SERVERS": a.Addr + "," + b.Addr,
		"CACHE_RETRY_AFTER": retryAfter.String(),
	})
	for i := range 5 {
		addTask(t, srv.URL, fmt.Sprintf("task %d", i))
	}
	request(t, "GET", srv.URL+"/", nil, nil)

	for _, stop := range []struct {
		name string
		node *testenv.Server
	}{{"one of two servers down", a}, {"both servers down", b}} {
		stop.node.Stop(t)
		for range 3 {
			start := time.Now()
			code, _, body := request(t, "GET", srv.URL+"/", nil, nil)
			quick(t, "GET /", start)
			if code != http.StatusOK || !strings.Contains(body, "task 4") {
				t.Fatalf("%s: GET / = %d", stop.name, code)
			}
		}
		name := "written while " + stop.name
		if code, _, _ := postForm(t, srv.URL+"/", url.Values{"name": {name}}, nil); code != http.StatusSeeOther {
			t.Errorf("%s: add = %d", stop.name, code)
		}
		start := time.Now()
		_, _, body := request(t, "GET", srv.URL+"/", nil, nil)
		quick(t, "GET /", start)
		if !strings.Contains(body, name) {
			t.Errorf("%s: the new task is not listed", stop.name)
		}
	}

	// Both come back; after the pause for failed servers, the app uses them
	// again without a restart.
	a.Start(t)
	b.Start(t)
	time.Sleep(2 * retryAfter)
	request(t, "GET", srv.URL+"/", nil, nil)
	_, _, body := request(t, "GET", srv.URL+"/", nil, nil)
	if got := panelCounts(t, body); strings.Contains(got, " hits=0 ") || !strings.Contains(got, " misses=0 ") || !strings.HasSuffix(got, " errors=0") {
		t.Errorf("after memcached returned, a reload: %s, want only cache hits", got)
	}
}

// TestMemcachedAuthentication runs the app against a memcached that demands
// text-protocol authentication (memcached -Y): with the right credentials the
// page comes from the cache; with wrong ones it comes from the database, at
// once, and the log says why in one line without showing the password.
func TestMemcachedAuthentication(t *testing.T) {
	server := testenv.AuthMemcached(t, "workshop", "right-pa55word")
	for _, tc := range []struct {
		name, password string
		wantHits       bool
		wantFailures   int
	}{
		{"right credentials", "right-pa55word", true, 0},
		{"wrong credentials", "wrong-pa55word", false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			defer slog.SetDefault(slog.Default())
			slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
			srv, _ := newTestServerEnv(t, map[string]string{
				"DATABASE_URL":       testenv.SQLiteURL(t),
				"MEMCACHED_SERVERS":  server.Addr,
				"MEMCACHED_USERNAME": "workshop",
				"MEMCACHED_PASSWORD": tc.password,
				"CACHE_KEY_PREFIX":   strings.ReplaceAll(tc.name, " ", "-") + ":",
			})
			addTask(t, srv.URL, "a task")
			var counts string
			for range 3 {
				start := time.Now()
				code, _, body := request(t, "GET", srv.URL+"/", nil, nil)
				if code != http.StatusOK || !strings.Contains(body, "a task") {
					t.Fatalf("GET / = %d, want 200 with the task", code)
				}
				quick(t, "GET /", start)
				counts = panelCounts(t, body)
			}
			if hits := !strings.Contains(counts, " hits=0 "); hits != tc.wantHits {
				t.Errorf("third load: %s; want cache hits: %v", counts, tc.wantHits)
			}
			if n := strings.Count(logs.String(), "authentication failed"); n != tc.wantFailures {
				t.Errorf("%d log lines say the authentication failed, want %d:\n%s", n, tc.wantFailures, logs.String())
			}
			if strings.Contains(logs.String(), tc.password) {
				t.Error("the log shows the memcached password")
			}
		})
	}
}

// Page drills: three real memcached servers, 16 browsers reloading the warm
// list page at once, and one or all servers frozen (paused: connections are
// accepted, nothing is answered) or stopped.
const (
	drillTimeout = time.Second // CACHE_TIMEOUT in the drills
	drillClients = 16
	// The pause for a failed server; longer than each drill's outage, but
	// for the thaw's.
	drillRetryAfter = 2 * time.Second
	// No page may wait for more than one timeout: loose for a loaded CI
	// machine, still below two timeouts.
	drillMaxWait = drillTimeout * 19 / 10
)

type pageDrill struct {
	srv   string
	nodes []*testenv.Server
	page  int // the node that holds the list page's view-cache entry
}

// newPageDrill starts the app on three memcached servers with five tasks,
// and loads the page twice, so that it is in the view cache.
func newPageDrill(t testing.TB) *pageDrill {
	t.Helper()
	d := &pageDrill{page: -1}
	var addrs []string
	for range 3 {
		n := testenv.OwnMemcached(t)
		d.nodes = append(d.nodes, n)
		addrs = append(addrs, n.Addr)
	}
	srv, _ := newTestServerEnv(t, map[string]string{
		"DATABASE_URL":      testenv.SQLiteURL(t),
		"MEMCACHED_SERVERS": strings.Join(addrs, ","),
		"CACHE_TIMEOUT":     drillTimeout.String(),
		"CACHE_RETRY_AFTER": drillRetryAfter.String(),
	})
	d.srv = srv.URL
	for i := range 5 {
		addTask(t, srv.URL, fmt.Sprintf("task %d", i))
	}
	request(t, "GET", srv.URL+"/", nil, nil)
	request(t, "GET", srv.URL+"/", nil, nil)
	for i, n := range d.nodes {
		if n.Has(t, viewKey("/")) {
			d.page = i
		}
	}
	if d.page < 0 {
		t.Fatal("no server holds the cached page")
	}
	return d
}

type pageLoad struct {
	status int
	xCache string
	body   string
	took   time.Duration
	err    error
}

// load has drillClients browsers reload the page for duration.
func (d *pageDrill) load(duration time.Duration) []pageLoad {
	stop := time.Now().Add(duration)
	client := &http.Client{Timeout: 10 * time.Second}
	var mu sync.Mutex
	var all []pageLoad
	var wg sync.WaitGroup
	for range drillClients {
		wg.Go(func() {
			var mine []pageLoad
			for time.Now().Before(stop) {
				var l pageLoad
				start := time.Now()
				resp, err := client.Get(d.srv + "/")
				if err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					l = pageLoad{status: resp.StatusCode, xCache: resp.Header.Get("X-Cache"), body: string(body)}
				}
				l.took, l.err = time.Since(start), err
				mine = append(mine, l)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all
}

// check fails the test for any page that is not the full list, or that
// waited more than one timeout, and returns how many were cache hits.
func (d *pageDrill) check(t testing.TB, loads []pageLoad) (hits int) {
	t.Helper()
	bad := 0
	for _, l := range loads {
		if l.err != nil || l.status != http.StatusOK || !strings.Contains(l.body, "task 4") || l.took > drillMaxWait {
			if bad++; bad <= 5 {
				t.Errorf("GET / = %d, %v, after %v; want the list within one timeout (%v)", l.status, l.err, l.took.Round(time.Millisecond), drillTimeout)
			}
		}
		if l.xCache == "HIT" {
			hits++
		}
	}
	if bad > 5 {
		t.Errorf("... %d bad pages of %d in all", bad, len(loads))
	}
	t.Logf("%d pages by %d browsers: %d cache hits (%.1f%%)", len(loads), drillClients, hits, 100*float64(hits)/float64(len(loads)))
	return hits
}

func TestPageDrillOneOfThreeFrozenOrStopped(t *testing.T) {
	for _, outage := range []string{"frozen", "stopped"} {
		t.Run(outage, func(t *testing.T) {
			d := newPageDrill(t)
			node := d.nodes[d.page]
			if outage == "frozen" {
				node.Freeze(t)
				defer node.Thaw(t)
			} else {
				node.Stop(t)
			}
			// The page's own server is out: the first browsers wait one
			// timeout, then the page is cached on its second choice.
			loads := d.load(3 * time.Second)
			if hits := d.check(t, loads); float64(hits) < 0.9*float64(len(loads)) {
				t.Errorf("%d of %d pages were cache hits; want at least 90%% served from the live servers", hits, len(loads))
			}
		})
	}
}

func TestPageDrillFrozenServerThawed(t *testing.T) {
	d := newPageDrill(t)
	node := d.nodes[d.page]
	node.Freeze(t)
	d.check(t, d.load(drillRetryAfter/2))
	node.Thaw(t)

	// After the pause for failed servers, one request tries the server
	// again, and from then on the page comes from it: it still holds the
	// page it had before it froze.
	time.Sleep(drillRetryAfter + drillTimeout)
	before := node.Stats(t)["get_hits"]
	loads := d.load(time.Second)
	d.check(t, loads)
	if n := node.Stats(t)["get_hits"] - before; n < int64(len(loads))/2 {
		t.Errorf("the thawed server answered %d hits for %d pages; want it to serve the page again", n, len(loads))
	}
}

func TestPageDrillAllThreeFrozen(t *testing.T) {
	d := newPageDrill(t)
	for _, n := range d.nodes {
		n.Freeze(t)
		defer n.Thaw(t)
	}
	// Every page is built from the database; none waits for more than
	// one timeout, though every server it would use is frozen. Each server
	// costs the browsers one wait when it first times out (a page stops
	// using the cache after its first wait), then one page's wait per pause,
	// when the server is tried again.
	const duration = 5 * time.Second
	loads := d.load(duration)
	if hits := d.check(t, loads); hits != 0 {
		t.Errorf("%d cache hits from frozen servers", hits)
	}
	waited := 0
	for _, l := range loads {
		if l.took >= drillTimeout/2 {
			waited++
		}
	}
	t.Logf("%d of the %d pages waited on a frozen server", waited, len(loads))
	if limit := 3 * (drillClients + int(duration/drillRetryAfter) + 1); waited > limit {
		t.Errorf("%d pages waited a timeout; want at most %d (one per browser per server, one per server per pause)", waited, limit)
	}
}
