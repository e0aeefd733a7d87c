package main

import (
	"net/http"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))
	for _, path := range []string{"/", "/healthz", "/nowhere", "/static/style.css"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for header, want := range map[string]string{
			"Content-Security-Policy": contentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "strict-origin-when-cross-origin",
		} {
			if got := resp.Header.Get(header); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, header, got, want)
			}
		}
	}
}
