package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// getWithHeaders sends a GET with the given headers and returns the response and body.
func getWithHeaders(t *testing.T, target string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestWarmReloadIsOneGetAndNoQuery(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			counting := &countingTasks{}
			srv, _ := newTestServer(t, databaseURL(t), counting.wrap)
			for n := range 20 {
				addTask(t, srv.URL, fmt.Sprintf("task %d", n))
			}

			resp, _ := getWithHeaders(t, srv.URL+"/", nil)
			if resp.Header.Get("X-Cache") != "MISS" {
				t.Errorf("cold load X-Cache = %q, want MISS", resp.Header.Get("X-Cache"))
			}
			before := counting.queries.Load()
			resp, body := getWithHeaders(t, srv.URL+"/", nil)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Cache") != "HIT" {
				t.Errorf("warm load: %s, X-Cache %q; want 200 HIT", resp.Status, resp.Header.Get("X-Cache"))
			}
			if got, want := panelCounts(t, body), "gets=1 hits=1 misses=0 sets=0 deletes=0 round_trips=1 errors=0"; got != want {
				t.Errorf("warm load: %s, want %s", got, want)
			}
			if n := counting.queries.Load() - before; n != 0 {
				t.Errorf("warm load ran %d database queries, want 0", n)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("cached page Content-Type = %q", ct)
			}
			if rows := strings.Count(body, `<td class="name">`); rows != 20 {
				t.Errorf("cached page has %d rows, want 20", rows)
			}
		})
	}
}

func TestPanelOnACachedPageIsThisRequests(t *testing.T) {
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))
	addTask(t, srv.URL, "one")
	get(t, srv.URL+"/")
	var totals []string
	for range 3 {
		_, body := get(t, srv.URL+"/")
		if got := panelCounts(t, body); got != "gets=1 hits=1 misses=0 sets=0 deletes=0 round_trips=1 errors=0" {
			t.Errorf("cached page panel: %s", got)
		}
		m := statPattern.FindAllStringSubmatch(body, -1)
		totals = append(totals, m[7][2]) // total gets
	}
	if totals[0] == totals[1] || totals[1] == totals[2] {
		t.Errorf("total gets on three cached pages: %v; a frozen panel would repeat itself", totals)
	}
}

func TestIfNoneMatchGets304(t *testing.T) {
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))
	addTask(t, srv.URL, "one")
	resp, _ := getWithHeaders(t, srv.URL+"/", nil)
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("ETag = %q, want a weak tag", etag)
	}
	for _, cached := range []bool{true, false} {
		resp, body := getWithHeaders(t, srv.URL+"/", http.Header{"If-None-Match": {etag}})
		if resp.StatusCode != http.StatusNotModified || body != "" {
			t.Errorf("If-None-Match %s (view cached: %v): %s with %d bytes, want 304 and no body", etag, cached, resp.Status, len(body))
		}
		if !cached {
			break
		}
	}
	// After a write the page, and so its ETag, changes.
	addTask(t, srv.URL, "two")
	resp, body := getWithHeaders(t, srv.URL+"/", http.Header{"If-None-Match": {etag}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "two") || resp.Header.Get("ETag") == etag {
		t.Errorf("after a write: %s, ETag %q (was %q)", resp.Status, resp.Header.Get("ETag"), etag)
	}
}

func TestOnlyPlainSuccessfulGetsAreCached(t *testing.T) {
	srv, app := newTestServer(t, testenv.SQLiteURL(t))
	addTask(t, srv.URL, "one")
	for range 2 {
		resp, _ := getWithHeaders(t, srv.URL+"/?utm_source=x", nil)
		if resp.Header.Get("X-Cache") != "MISS" {
			t.Errorf("GET with a query: X-Cache %q, want MISS every time", resp.Header.Get("X-Cache"))
		}
	}
	// A 422 is never stored: the next GET does not show its message.
	post(t, srv.URL+"/", url.Values{"name": {""}}, nil)
	if _, body := get(t, srv.URL+"/"); strings.Contains(body, "Please enter") {
		t.Error("a GET served the 422 page")
	}
	// A failing database gives 503, which is not stored either. (Deleting a
	// task that does not exist is a write: it makes the list and the page
	// be built again.)
	post(t, srv.URL+"/999/delete", nil, nil)
	app.cache.Delete(t.Context(), viewKey("/"))
	app.db.Close()
	if code, _ := get(t, srv.URL+"/"); code != http.StatusServiceUnavailable {
		t.Fatalf("with the database closed: %d, want 503", code)
	}
	if _, err := app.cache.Get(context.Background(), viewKey("/")); err == nil {
		t.Error("a 503 page was cached")
	}
}

func TestPageRenderedBeforeAWriteIsNotStoredAfterIt(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			gate := &gatedTasks{}
			srv, _ := newTestServer(t, databaseURL(t), gate.wrap)
			addTask(t, srv.URL, "before")
			get(t, srv.URL+"/") // warm: the next load must miss on purpose
			// Deleting a task that does not exist is a write: the list and
			// the page are built again by the next load.
			post(t, srv.URL+"/999/delete", nil, nil)

			// A reader renders the page from the old list...
			started, release := gate.holdNext()
			done := make(chan string)
			go func() {
				resp, err := http.Get(srv.URL + "/")
				if err != nil {
					done <- err.Error()
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				done <- string(body)
			}()
			<-started
			// ...while a writer adds a task and invalidates the page...
			addTask(t, srv.URL, "after")
			close(release)
			if old := <-done; strings.Contains(old, "after") {
				t.Fatal("the slow reader saw the write; the test lost its point")
			}
			// ...and the reader's page, rendered before the write, is not what
			// the cache serves now.
			if got := listedNames(t, srv.URL); strings.Join(got, "|") != "before|after" {
				t.Errorf("listed %q after the write, want [before after]", got)
			}
		})
	}
}

// FuzzViewKey: whatever the path, the page's key is a legal memcached key
// with room for the longest CACHE_KEY_PREFIX.
func FuzzViewKey(f *testing.F) {
	for _, seed := range []string{"/", "/a%20b", strings.Repeat("/x", 200), "/\x00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, path string) {
		key := viewKey((&url.URL{Path: path}).EscapedPath())
		if len(key)+100 > 250 || strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			t.Errorf("viewKey(%q) = %q is not a legal memcached key with a 100-byte prefix", path, key)
		}
	})
}

// gatedTasks can hold a query, once it has run, until the test lets it
// return. Its wrap goes to newApp.
type gatedTasks struct {
	taskStore
	mu               sync.Mutex
	started, release chan struct{} // for the next query; nil: none held
}

func (g *gatedTasks) wrap(next taskStore) taskStore {
	g.taskStore = next
	return g
}

// holdNext arranges for the next query to be held: started is closed when
// it has run, and it returns when the test closes release.
func (g *gatedTasks) holdNext() (started, release chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.started, g.release = make(chan struct{}), make(chan struct{})
	return g.started, g.release
}

func (g *gatedTasks) All(ctx context.Context) ([]Task, error) {
	tasks, err := g.taskStore.All(ctx)
	g.mu.Lock()
	started, release := g.started, g.release
	g.started, g.release = nil, nil
	g.mu.Unlock()
	if started != nil {
		close(started)
		<-release
	}
	return tasks, err
}
