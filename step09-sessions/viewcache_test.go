package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestWarmReloadIsOneGetAndNoQuery(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			counting := &spyTasks{}
			srv, _ := newTestServer(t, databaseURL(t), counting)
			for n := range 20 {
				addTask(t, srv.URL, fmt.Sprintf("task %d", n))
			}

			_, header, _ := request(t, "GET", srv.URL+"/", nil, nil)
			if header.Get("X-Cache") != "MISS" {
				t.Errorf("cold load X-Cache = %q, want MISS", header.Get("X-Cache"))
			}
			before := counting.queries.Load()
			code, header, body := request(t, "GET", srv.URL+"/", nil, nil)
			if code != http.StatusOK || header.Get("X-Cache") != "HIT" {
				t.Errorf("warm load: %d, X-Cache %q; want 200 HIT", code, header.Get("X-Cache"))
			}
			if got, want := panelCounts(t, body), "gets=1 hits=1 misses=0 sets=0 deletes=0 round_trips=1 errors=0"; got != want {
				t.Errorf("warm load: %s, want %s", got, want)
			}
			if n := counting.queries.Load() - before; n != 0 {
				t.Errorf("warm load ran %d database queries, want 0", n)
			}
			if ct := header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
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
	request(t, "GET", srv.URL+"/", nil, nil)
	var totals []string
	for range 3 {
		_, _, body := request(t, "GET", srv.URL+"/", nil, nil)
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
	_, header, _ := request(t, "GET", srv.URL+"/", nil, nil)
	etag := header.Get("ETag")
	if !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("ETag = %q, want a weak tag", etag)
	}
	// Deleting a task that does not exist is a write: the next load misses,
	// renders the same page afresh and stores it; the one after is a hit.
	// Both answer the browser's tag with a 304.
	postForm(t, srv.URL+"/999/delete", nil, nil)
	for _, want := range []string{"MISS", "HIT"} {
		code, header, body := request(t, "GET", srv.URL+"/", http.Header{"If-None-Match": {etag}}, nil)
		if code != http.StatusNotModified || body != "" || header.Get("X-Cache") != want {
			t.Errorf("If-None-Match %s: %d with %d bytes, X-Cache %q; want 304, no body, %s", etag, code, len(body), header.Get("X-Cache"), want)
		}
	}
	// After a write the page, and so its ETag, changes.
	addTask(t, srv.URL, "two")
	code, header, body := request(t, "GET", srv.URL+"/", http.Header{"If-None-Match": {etag}}, nil)
	if code != http.StatusOK || !strings.Contains(body, "two") || header.Get("ETag") == etag {
		t.Errorf("after a write: %d, ETag %q (was %q)", code, header.Get("ETag"), etag)
	}
}

func TestOnlyPlainSuccessfulGetsAreCached(t *testing.T) {
	srv, app := newTestServer(t, testenv.SQLiteURL(t))
	addTask(t, srv.URL, "one")
	for range 2 {
		_, header, _ := request(t, "GET", srv.URL+"/?utm_source=x", nil, nil)
		if header.Get("X-Cache") != "MISS" {
			t.Errorf("GET with a query: X-Cache %q, want MISS every time", header.Get("X-Cache"))
		}
	}
	// A POST never passes through the view cache, and a refused add (422)
	// writes nothing: the page stays cached, and never shows the 422's message.
	request(t, "GET", srv.URL+"/", nil, nil)
	postForm(t, srv.URL+"/", url.Values{"name": {""}}, nil)
	if _, header, body := request(t, "GET", srv.URL+"/", nil, nil); header.Get("X-Cache") != "HIT" || strings.Contains(body, "Please enter") {
		t.Errorf("GET after a 422: X-Cache %q; want the cached page, without the 422's message", header.Get("X-Cache"))
	}
	// A failing database gives 503, which is not stored either. (Deleting a
	// task that does not exist is a write: it makes the list and the page
	// be built again.)
	postForm(t, srv.URL+"/999/delete", nil, nil)
	app.cache.Delete(t.Context(), viewKey("/"))
	app.db.Close()
	if code, _, _ := request(t, "GET", srv.URL+"/", nil, nil); code != http.StatusServiceUnavailable {
		t.Fatalf("with the database closed: %d, want 503", code)
	}
	if _, err := app.cache.Get(t.Context(), viewKey("/")); err == nil {
		t.Error("a 503 page was cached")
	}
}

func TestPageRenderedBeforeAWriteIsNotStoredAfterIt(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			gated, holdNext := gatedTasks()
			srv, _ := newTestServer(t, databaseURL(t), gated)
			addTask(t, srv.URL, "before")
			request(t, "GET", srv.URL+"/", nil, nil) // warm: the next load must miss on purpose
			// Deleting a task that does not exist is a write: the list and
			// the page are built again by the next load.
			postForm(t, srv.URL+"/999/delete", nil, nil)

			// A reader renders the page from the old list...
			started, release := holdNext()
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

// gatedTasks returns a task store that can hold a query, once it has run,
// until the test lets it return, and holdNext, which arranges for the next
// query to be held: started is closed when it has run, and it returns when
// the test closes release.
func gatedTasks() (_ *spyTasks, holdNext func() (started, release chan struct{})) {
	type gate struct{ started, release chan struct{} }
	next := make(chan gate, 1) // the gate of the next query; empty: none held
	gated := &spyTasks{all: func(ctx context.Context, all func(context.Context) ([]Task, error)) ([]Task, error) {
		tasks, err := all(ctx)
		select {
		case g := <-next:
			close(g.started)
			<-g.release
		default:
		}
		return tasks, err
	}}
	return gated, func() (started, release chan struct{}) {
		g := gate{make(chan struct{}), make(chan struct{})}
		next <- g
		return g.started, g.release
	}
}
