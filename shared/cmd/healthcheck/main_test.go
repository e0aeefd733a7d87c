package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestHealthURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/healthz",
		"0.0.0.0:5000":   "http://127.0.0.1:5000/healthz",
		"[::]:5000":      "http://127.0.0.1:5000/healthz",
		"127.0.0.1:9000": "http://127.0.0.1:9000/healthz",
		"[::1]:9000":     "http://[::1]:9000/healthz",
	} {
		if got := healthURL(addr); got != want {
			t.Errorf("healthURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	if err := check(srv.URL+"/healthz", time.Second); err != nil {
		t.Errorf("a 200 is healthy, got %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := check(srv.URL+"/healthz", time.Second); err == nil {
		t.Error("a 503 is not healthy, got nil")
	}
	srv.Close()
	if err := check(srv.URL+"/healthz", time.Second); err == nil {
		t.Error("no server is not healthy, got nil")
	}
}
