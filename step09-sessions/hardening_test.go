package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestPagesOverMemcachedsItemLimitAreServedNotCached(t *testing.T) {
	srv, app := newTestServer(t, testenv.SQLiteURL(t))
	name := strings.Repeat("long task name ", 33) // about 500 characters
	for i := range 2500 {                         // a page of well over 1 MB
		if _, err := app.db.Exec("INSERT INTO tasks (name) VALUES (?)", fmt.Sprintf("%04d %s", i, name)); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		resp, body := getWithHeaders(t, srv.URL+"/", nil)
		if resp.StatusCode != http.StatusOK || len(body) < 1<<20 || resp.Header.Get("X-Cache") != "MISS" {
			t.Fatalf("big page: %s, %d bytes, X-Cache %q; want 200, over 1 MB, never a hit",
				resp.Status, len(body), resp.Header.Get("X-Cache"))
		}
	}
	if n := app.cache.Totals().Errors.Load(); n == 0 {
		t.Error("the refused sets were not counted as errors")
	}
}

func TestNoSecretInTheLog(t *testing.T) {
	var logs bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))

	servers, prefix := testenv.Memcached(t)
	databaseURL := testenv.MySQLURL(t) // carries the MySQL root password
	memcachierPassword := "memcachier-pa55word"
	srv, _ := newTestServerEnv(t, map[string]string{
		"DATABASE_URL":        databaseURL,
		"MEMCACHIER_SERVERS":  strings.Join(servers, ","),
		"MEMCACHIER_USERNAME": "workshop-user",
		"MEMCACHIER_PASSWORD": memcachierPassword,
		"CACHE_KEY_PREFIX":    prefix,
	})
	alice := browser(t)
	resp, err := alice.PostForm(srv.URL+"/", url.Values{"name": {"a task"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	token := resp.Request.Header.Get("Cookie") // the session cookie sent after the redirect
	u, _ := url.Parse(databaseURL)
	dbPassword, _ := u.User.Password()
	for what, secret := range map[string]string{
		"the database password":   dbPassword,
		"the MemCachier password": memcachierPassword,
		"the session token":       strings.TrimPrefix(token, "session="),
	} {
		if len(secret) < 6 {
			t.Fatalf("%s is too short to look for: %q", what, secret)
		}
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log shows %s", what)
		}
	}
	if !strings.Contains(logs.String(), "memcachier_auth=true") {
		t.Errorf("the test did not run with MemCachier authentication:\n%s", logs.String())
	}
}
