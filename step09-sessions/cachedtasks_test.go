package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

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

			// The first load finds the page's invalidation marker (left by
			// the add), then builds the page from the memoized list and the
			// row, and stores all three.
			_, _, body := request(t, "GET", srv.URL+"/", nil, nil)
			if got, want := panelCounts(t, body), "gets=4 hits=2 misses=2 sets=3 deletes=0 round_trips=6 errors=0"; got != want {
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

func TestListIsFreshAfterAddAndDelete(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			srv, app := newTestServer(t, databaseURL(t))
			addTask(t, srv.URL, "first")
			if got := listedNames(t, srv.URL); strings.Join(got, "|") != "first" {
				t.Fatalf("listed %q", got)
			}

			// The add bumps the list's version: one set on the POST. The next
			// page finds the list, computed under the old version: memcached
			// counts a hit, but the list is recomputed and set. The first
			// task's row is a hit, the new task's row a miss and a set, and
			// the page replaces the marker the add left under its key.
			code, _, _ := postForm(t, srv.URL+"/", url.Values{"name": {"second"}}, nil)
			if code != http.StatusSeeOther {
				t.Fatalf("add: %d", code)
			}
			_, _, body := request(t, "GET", srv.URL+"/", nil, nil)
			if got := listedNames(t, srv.URL); strings.Join(got, "|") != "first|second" {
				t.Errorf("after add listed %q, want [first second]", got)
			}
			if got, want := panelCounts(t, body), "gets=5 hits=4 misses=1 sets=3 deletes=0 round_trips=6 errors=0"; got != want {
				t.Errorf("first load after add: %s, want %s", got, want)
			}

			var id string
			if err := app.db.QueryRow("SELECT id FROM tasks WHERE name = 'first'").Scan(&id); err != nil {
				t.Fatal(err)
			}
			postForm(t, srv.URL+"/"+id+"/delete", nil, nil)
			if got := listedNames(t, srv.URL); strings.Join(got, "|") != "second" {
				t.Errorf("after delete listed %q, want [second]", got)
			}
		})
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
	// The add waited on the server three times (its session and its
	// invalidations): three timeouts in a row with no answer leave a server
	// out (CACHE_FAILURE_LIMIT), so every operation of the page fails at
	// once, without a round trip.
	code, _, body := request(t, "GET", srv.URL+"/", nil, nil)
	if code != http.StatusOK || !strings.Contains(body, "still here") {
		t.Fatalf("GET / with memcached down = %d:\n%s", code, body)
	}
	// Nothing can be read, so memoize calls through (coalesced, not
	// stored), and the row is rendered (its set fails too).
	if got, want := panelCounts(t, body), "gets=4 hits=0 misses=0 sets=1 deletes=0 round_trips=0 errors=4"; got != want {
		t.Errorf("with memcached down: %s, want %s", got, want)
	}
}
