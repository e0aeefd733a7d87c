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

// timedGet fetches a page and fails the test if it takes a second or more:
// a cache outage may cost a timeout, never a hang.
func timedGet(t *testing.T, target string) (int, string) {
	t.Helper()
	start := time.Now()
	code, body := get(t, target)
	if d := time.Since(start); d >= time.Second {
		t.Errorf("GET %s took %v", target, d)
	}
	return code, body
}

func TestPagesSurviveMemcachedOutage(t *testing.T) {
	a, b := testenv.OwnMemcached(t), testenv.OwnMemcached(t)
	srv, _ := newTestServerEnv(t, map[string]string{
		"DATABASE_URL":      testenv.SQLiteURL(t),
		"MEMCACHED_SERVERS": a.Addr + "," + b.Addr,
	})
	for i := range 5 {
		addTask(t, srv.URL, fmt.Sprintf("task %d", i))
	}
	get(t, srv.URL+"/")

	for _, stop := range []struct {
		name string
		node *testenv.Server
	}{{"one of two servers down", a}, {"both servers down", b}} {
		stop.node.Stop(t)
		for range 3 {
			if code, body := timedGet(t, srv.URL+"/"); code != http.StatusOK || !strings.Contains(body, "task 4") {
				t.Fatalf("%s: GET / = %d", stop.name, code)
			}
		}
		name := "written while " + stop.name
		if resp, _ := post(t, srv.URL+"/", url.Values{"name": {name}}, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: add = %s", stop.name, resp.Status)
		}
		if _, body := timedGet(t, srv.URL+"/"); !strings.Contains(body, name) {
			t.Errorf("%s: the new task is not listed", stop.name)
		}
	}

	// Both come back; after the pause for failed servers, the app uses them
	// again without a restart.
	a.Start(t)
	b.Start(t)
	time.Sleep(5500 * time.Millisecond)
	get(t, srv.URL+"/")
	_, body := get(t, srv.URL+"/")
	if got := panelCounts(t, body); got != "gets=1 hits=1 misses=0 sets=0 deletes=0 round_trips=1 errors=0" {
		t.Errorf("after memcached returned, a reload: %s, want a view-cache hit", got)
	}
}

// TestMemcachedAuthentication runs the app against a memcached that demands
// text-protocol authentication (memcached -Y): with the right credentials the
// page comes from the view cache; with wrong ones it comes from the database,
// at once, and the log says why in one line without showing the password.
func TestMemcachedAuthentication(t *testing.T) {
	server := testenv.AuthMemcached(t, "workshop", "right-pa55word")
	for _, tc := range []struct {
		name, password, wantCache string
		wantFailures              int
	}{
		{"right credentials", "right-pa55word", "HIT", 0},
		{"wrong credentials", "wrong-pa55word", "MISS", 1},
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
			var xCache string
			for range 3 {
				start := time.Now()
				resp, body := getWithHeaders(t, srv.URL+"/", nil)
				if resp.StatusCode != http.StatusOK || !strings.Contains(body, "a task") {
					t.Fatalf("GET / = %s, want 200 with the task", resp.Status)
				}
				if d := time.Since(start); d >= time.Second {
					t.Errorf("GET / took %v", d)
				}
				xCache = resp.Header.Get("X-Cache")
			}
			if xCache != tc.wantCache {
				t.Errorf("third load: X-Cache %q, want %q", xCache, tc.wantCache)
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

func TestMySQLOutageAndRecovery(t *testing.T) {
	mysql, adminDSN := testenv.OwnMySQL(t)
	databaseURL, err := testenv.CreateDatabase(t.Context(), adminDSN, "outage")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newTestServer(t, databaseURL)
	addTask(t, srv.URL, "before the outage")

	mysql.Stop(t)
	if code, body := timedGet(t, srv.URL+"/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz with MySQL down = %d %q, want 503", code, body)
	}
	resp, body := post(t, srv.URL+"/", url.Values{"name": {"during the outage"}}, nil)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "unavailable") || strings.Contains(body, "goroutine") {
		t.Errorf("add with MySQL down = %s %q, want a plain 503", resp.Status, body)
	}
	// The list page may still come from the view cache; it must not fail otherwise.
	if code, _ := timedGet(t, srv.URL+"/"); code != http.StatusOK && code != http.StatusServiceUnavailable {
		t.Errorf("GET / with MySQL down = %d", code)
	}

	mysql.Start(t)
	if code, _ := get(t, srv.URL+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz after MySQL returned = %d, want 200 without a restart", code)
	}
	addTask(t, srv.URL, "after the outage")
	if got := listedNames(t, srv.URL); strings.Join(got, "|") != "before the outage|after the outage" {
		t.Errorf("listed %q after recovery", got)
	}
}
