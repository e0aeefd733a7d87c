package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
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
