package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// Page drills: the app on three memcached servers, 16 browsers reloading the
// warm page at once, and the server the page uses most, or all three, frozen
// (paused: connections are accepted, nothing is answered) or stopped.
const (
	drillTimeout    = time.Second            // CACHE_TIMEOUT in the drills
	drillRetryAfter = 2 * time.Second        // CACHE_RETRY_AFTER
	drillMaxWait    = drillTimeout * 19 / 10 // one timeout, loosely; less than two
)

// startDrill starts the app on three memcached servers with five tasks and a
// warm page, and returns its URL, the servers, and the one that answered
// most of the page's gets.
func startDrill(t *testing.T) (string, []*testenv.Server, *testenv.Server) {
	t.Helper()
	var nodes []*testenv.Server
	var addrs []string
	for range 3 {
		nodes = append(nodes, testenv.OwnMemcached(t))
		addrs = append(addrs, nodes[len(nodes)-1].Addr)
	}
	srv, _ := newTestServerEnv(t, map[string]string{
		"DATABASE_URL":      testenv.SQLiteURL(t),
		"MEMCACHED_SERVERS": strings.Join(addrs, ","),
		"CACHE_TIMEOUT":     drillTimeout.String(),
		"CACHE_RETRY_AFTER": drillRetryAfter.String(),
	})
	for i := range 5 {
		addTask(t, srv.URL, fmt.Sprintf("task %d", i))
	}
	request(t, "GET", srv.URL+"/", nil, nil)
	hits := make([]int64, len(nodes))
	for i, n := range nodes {
		hits[i] = -n.Stats(t)["get_hits"]
	}
	request(t, "GET", srv.URL+"/", nil, nil)
	busiest := 0
	for i, n := range nodes {
		if hits[i] += n.Stats(t)["get_hits"]; hits[i] > hits[busiest] {
			busiest = i
		}
	}
	return srv.URL, nodes, nodes[busiest]
}

// checkPages fails the test for any page that is not the whole list or that
// waited more than maxWait. It returns how many pages were served from
// the cache (hits, and no error), and how many waited on a server.
func checkPages(t *testing.T, loads []testenv.Load, maxWait time.Duration) (cached, waited int) {
	t.Helper()
	bad := 0
	for _, l := range loads {
		if l.Err != nil || l.Status != http.StatusOK || !strings.Contains(l.Body, "task 4") || l.Took > maxWait {
			if bad++; bad <= 5 {
				t.Errorf("GET / = %d, %v, after %v; want the list within %v", l.Status, l.Err, l.Took.Round(time.Millisecond), maxWait)
			}
			continue
		}
		if c := panelCounts(t, l.Body); !strings.Contains(c, " hits=0 ") && strings.HasSuffix(c, " errors=0") {
			cached++
		}
		if l.Took >= drillTimeout/2 {
			waited++
		}
	}
	t.Logf("%d pages by 16 browsers: %d from the cache, %d waited on a server", len(loads), cached, waited)
	return cached, waited
}

func TestPageDrillOneServerOut(t *testing.T) {
	for _, outage := range []string{"frozen", "stopped"} {
		t.Run(outage, func(t *testing.T) {
			url, _, busiest := startDrill(t)
			if outage == "frozen" {
				busiest.Freeze(t)
				defer busiest.Thaw(t)
			} else {
				busiest.Stop(t)
			}
			// The first browsers wait one timeout; then the server is left
			// out, and only its keys move to their second choice.
			loads := testenv.LoadConcurrently(url+"/", 16, 3*time.Second)
			if cached, _ := checkPages(t, loads, drillMaxWait); float64(cached) < 0.9*float64(len(loads)) {
				t.Errorf("%d of %d pages came from the live servers' caches; want at least 90%%", cached, len(loads))
			}
		})
	}
}

func TestPageDrillFrozenServerThawed(t *testing.T) {
	url, _, busiest := startDrill(t)
	busiest.Freeze(t)
	checkPages(t, testenv.LoadConcurrently(url+"/", 16, drillRetryAfter/2), drillMaxWait)
	busiest.Thaw(t)
	// After the pause one request tries it again, and from then on it serves
	// the keys it still holds: no restart.
	time.Sleep(drillRetryAfter + drillTimeout)
	before := busiest.Stats(t)["get_hits"]
	loads := testenv.LoadConcurrently(url+"/", 16, time.Second)
	checkPages(t, loads, drillMaxWait)
	if n := busiest.Stats(t)["get_hits"] - before; n < int64(len(loads))/2 {
		t.Errorf("the thawed server answered %d hits for %d pages; want it to serve its keys again", n, len(loads))
	}
}

func TestPageDrillAllServersFrozen(t *testing.T) {
	url, nodes, _ := startDrill(t)
	for _, n := range nodes {
		n.Freeze(t)
		defer n.Thaw(t)
	}
	const duration = 5 * time.Second
	cached, waited := checkPages(t, testenv.LoadConcurrently(url+"/", 16, duration), drillMaxWait)
	if cached != 0 {
		t.Errorf("%d pages came from frozen servers' caches", cached)
	}
	// Each server costs each browser one wait when it first times out (a
	// page stops using the cache after its first wait), then one page per
	// pause, when it is tried again.
	if limit := 3 * (16 + int(duration/drillRetryAfter) + 1); waited > limit {
		t.Errorf("%d pages waited on a frozen server; want at most %d", waited, limit)
	}
	// A write tries every cache operation (its invalidations matter): it
	// may wait once on each server whose pause is over.
	start := time.Now()
	addTask(t, url, "written while memcached is frozen")
	if d := time.Since(start); d > 3*drillMaxWait {
		t.Errorf("an add took %v; want at most one timeout per server", d)
	}
	if got := listedNames(t, url); !slices.Contains(got, "written while memcached is frozen") {
		t.Errorf("the task written while memcached was frozen is not listed: %q", got)
	}
}

// A busy app: memcached answers every get, but the app reads one answer in
// eight too late (the relay holds it past CACHE_TIMEOUT, as a saturated CPU
// would). Those timeouts are the app's own: the server stays in use, most
// pages come from the cache, the log counts failures in one line. A page may
// wait twice: on a shared query's store (chapter 06 on), then its own get.
func TestPageDrillBusyApp(t *testing.T) {
	servers, prefix := testenv.Memcached(t)
	relay := testenv.SlowReplies(t, servers[0], 8, drillTimeout*3/2)
	logs := testenv.CaptureLogs(t)
	srv, _ := newTestServerEnv(t, map[string]string{"DATABASE_URL": testenv.SQLiteURL(t),
		"MEMCACHED_SERVERS": relay, "CACHE_KEY_PREFIX": prefix,
		"CACHE_TIMEOUT": drillTimeout.String(), "CACHE_RETRY_AFTER": "1m"})
	for i := range 5 {
		addTask(t, srv.URL, fmt.Sprintf("task %d", i))
	}
	loads := testenv.LoadConcurrently(srv.URL+"/", 16, 2*time.Second)
	if cached, _ := checkPages(t, loads, 2*drillMaxWait); cached == len(loads) || cached < len(loads)/2 {
		t.Errorf("%d of %d pages came from the cache; want at least half, not all (the relay holds some answers)", cached, len(loads))
	}
	if n := strings.Count(logs.String(), "level=WARN"); n > 2 || strings.Contains(logs.String(), "left out") {
		t.Errorf("the server was left out, or %d warning lines (want at most 2):\n%s", n, logs)
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
			logs := testenv.CaptureLogs(t)
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
