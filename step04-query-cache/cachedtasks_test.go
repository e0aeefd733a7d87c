package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

var statPattern = regexp.MustCompile(`data-stat="(\w+)">(\d+)<`)

// panelCounts reads this request's cache counts from a page's footer, in the
// form "gets=1 hits=0 misses=1 sets=1 deletes=0 round_trips=2 errors=0".
func panelCounts(t testing.TB, body string) string {
	t.Helper()
	m := statPattern.FindAllStringSubmatch(body, -1)
	if len(m) != 14 {
		t.Fatalf("page has %d cache counts, want 7 for the request and 7 totals:\n%s", len(m), body)
	}
	var counts []string
	for _, kv := range m[:7] {
		counts = append(counts, kv[1]+"="+kv[2])
	}
	return strings.Join(counts, " ")
}

func TestFirstLoadMissesAndSetsThenReloadHits(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			srv, _ := newTestServer(t, databaseURL(t))
			addTask(t, srv.URL, "cache me")

			_, _, body := request(t, "GET", srv.URL+"/", nil, nil)
			if got, want := panelCounts(t, body), "gets=1 hits=0 misses=1 sets=1 deletes=0 round_trips=2 errors=0"; got != want {
				t.Errorf("first load: %s, want %s", got, want)
			}
			for range 2 {
				_, _, body = request(t, "GET", srv.URL+"/", nil, nil)
				if got, want := panelCounts(t, body), "gets=1 hits=1 misses=0 sets=0 deletes=0 round_trips=1 errors=0"; got != want {
					t.Errorf("reload: %s, want %s", got, want)
				}
			}
			if !strings.Contains(body, "cache me") {
				t.Error("cached page lacks the task")
			}
		})
	}
}

func TestListIsStaleAfterAdd(t *testing.T) {
	srv, app := newTestServer(t, testenv.SQLiteURL(t))
	addTask(t, srv.URL, "first")
	if got := listedNames(t, srv.URL); strings.Join(got, "|") != "first" {
		t.Fatalf("listed %q", got)
	}
	addTask(t, srv.URL, "second")
	// The original tutorial's lesson: the new task is in the database, but
	// the page shows the list cached before it was added.
	if got := listedNames(t, srv.URL); strings.Join(got, "|") != "first" {
		t.Errorf("listed %q, want the stale list [first]", got)
	}
	if got := storedNames(t, app); strings.Join(got, "|") != "first|second" {
		t.Errorf("stored %q", got)
	}
}

func TestInProcessCacheWhenNoServerIsConfigured(t *testing.T) {
	srv, _ := newTestServerEnv(t, map[string]string{"DATABASE_URL": testenv.SQLiteURL(t)})
	addTask(t, srv.URL, "no memcached here")
	request(t, "GET", srv.URL+"/", nil, nil)
	_, _, body := request(t, "GET", srv.URL+"/", nil, nil)
	if !strings.Contains(body, "No memcached configured") || !strings.Contains(body, "no memcached here") {
		t.Errorf("page lacks the in-process note or the task:\n%s", body)
	}
	if got, want := panelCounts(t, body), "gets=1 hits=1 misses=0 sets=0 deletes=0 round_trips=1 errors=0"; got != want {
		t.Errorf("reload: %s, want %s", got, want)
	}
}

func TestCacheOutageNeverBreaksThePage(t *testing.T) {
	// A server of its own, frozen: it accepts connections and never answers.
	// (A closed port can be taken by another test's server meanwhile.)
	node := testenv.OwnMemcached(t)
	node.Freeze(t)
	defer node.Thaw(t)
	deadAddr := node.Addr
	srv, _ := newTestServerEnv(t, map[string]string{
		"DATABASE_URL":      testenv.SQLiteURL(t),
		"MEMCACHED_SERVERS": deadAddr,
	})
	addTask(t, srv.URL, "still here")
	// The get waits one timeout; a GET that has waited on a failed server
	// starts no more cache operations, so its set fails at once, without a
	// round trip.
	code, _, body := request(t, "GET", srv.URL+"/", nil, nil)
	if code != http.StatusOK || !strings.Contains(body, "still here") {
		t.Fatalf("GET / with memcached down = %d:\n%s", code, body)
	}
	if got, want := panelCounts(t, body), "gets=1 hits=0 misses=0 sets=1 deletes=0 round_trips=1 errors=2"; got != want {
		t.Errorf("with memcached down: %s, want %s", got, want)
	}
}

func TestUnreadableCachedListIsLoggedAndReadFromTheDatabase(t *testing.T) {
	logs := testenv.CaptureLogs(t)
	srv, app := newTestServer(t, testenv.SQLiteURL(t))
	addTask(t, srv.URL, "from the database")
	if err := app.cache.Set(t.Context(), allTasksKey, []byte("not gob"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if code, _, body := request(t, "GET", srv.URL+"/", nil, nil); code != http.StatusOK || !strings.Contains(body, "from the database") {
		t.Fatalf("GET / with an unreadable cached list = %d:\n%s", code, body)
	}
	// The warning carries the decoding error, not a nil one.
	if log := logs.String(); !strings.Contains(log, "cached task list unreadable") || !strings.Contains(log, "unexpected EOF") {
		t.Errorf("log does not explain why the cached list was not used:\n%s", log)
	}
}
