package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// quick fails the test if what began at start took a second or more: an
// outage may cost a timeout, never a hang.
func quick(t testing.TB, what string, start time.Time) {
	t.Helper()
	if d := time.Since(start); d >= time.Second {
		t.Errorf("%s took %v", what, d)
	}
}

// TestMySQLOutageAndRecovery stops the app's MySQL server under it: the app
// says so at once, and recovers without a restart when the server returns.
func TestMySQLOutageAndRecovery(t *testing.T) {
	mysql, adminDSN := testenv.OwnMySQL(t)
	databaseURL, err := testenv.CreateDatabase(t.Context(), adminDSN, "outage")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newTestServer(t, databaseURL)
	addTask(t, srv.URL, "before the outage")

	mysql.Stop(t)
	start := time.Now()
	code, _, body := request(t, "GET", srv.URL+"/healthz", nil, nil)
	quick(t, "GET /healthz", start)
	if code != http.StatusServiceUnavailable {
		t.Errorf("/healthz with MySQL down = %d %q, want 503", code, body)
	}
	code, _, body = postForm(t, srv.URL+"/", url.Values{"name": {"during the outage"}}, nil)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "unavailable") || strings.Contains(body, "goroutine") {
		t.Errorf("add with MySQL down = %d %q, want a plain 503", code, body)
	}
	// The list page may come from the cache now; it must not fail otherwise.
	start = time.Now()
	code, _, _ = request(t, "GET", srv.URL+"/", nil, nil)
	quick(t, "GET /", start)
	if code != http.StatusOK && code != http.StatusServiceUnavailable {
		t.Errorf("GET / with MySQL down = %d", code)
	}

	mysql.Start(t)
	if code, _, _ := request(t, "GET", srv.URL+"/healthz", nil, nil); code != http.StatusOK {
		t.Errorf("/healthz after MySQL returned = %d, want 200 without a restart", code)
	}
	addTask(t, srv.URL, "after the outage")
	if got := listedNames(t, srv.URL); strings.Join(got, "|") != "before the outage|after the outage" {
		t.Errorf("listed %q after recovery", got)
	}
}
