package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/config"
)

// newTestServer serves the chapter's routes on a loopback port for the test.
func newTestServer(t testing.TB) *httptest.Server {
	t.Helper()
	cfg, err := config.Parse(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	app, err := newApp(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.routes())
	t.Cleanup(srv.Close)
	return srv
}

func TestHealthz(t *testing.T) {
	srv := newTestServer(t)
	if code, _, body := request(t, "GET", srv.URL+"/healthz", nil, nil); code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", code, body)
	}
}

func TestEverythingElseIsNotFound(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/", "/tasks", "/1/delete"} {
		if code, _, _ := request(t, "GET", srv.URL+path, nil, nil); code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, code)
		}
	}
}

func TestRequestsAreLogged(t *testing.T) {
	var logs bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))

	srv := newTestServer(t)
	request(t, "GET", srv.URL+"/nowhere", nil, nil)
	line := logs.String()
	for _, want := range []string{"msg=request", "method=GET", "path=/nowhere", "status=404"} {
		if !strings.Contains(line, want) {
			t.Errorf("log %q lacks %q", line, want)
		}
	}
}

func TestBadConfigStopsStartup(t *testing.T) {
	t.Setenv("CACHE_TIMEOUT", "soon")
	err := run(t.Context())
	if err == nil || !strings.HasPrefix(err.Error(), "CACHE_TIMEOUT:") {
		t.Fatalf("run = %v, want an error naming CACHE_TIMEOUT", err)
	}
}

func TestGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	inHandler, shuttingDown, release, finished := make(chan struct{}), make(chan struct{}), make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(finished)
		// Shutdown runs this hook once it has closed the listener, and then
		// waits for the requests in flight.
		r.Context().Value(http.ServerContextKey).(*http.Server).RegisterOnShutdown(func() { close(shuttingDown) })
		close(inHandler)
		<-release
		w.Write([]byte("done"))
	})

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// serve must wait for the request: returning before it would let the
	// process exit under it.
	served := make(chan error, 1)
	go func() {
		err := serve(ctx, ln, slow)
		select {
		case <-finished:
			served <- err
		default:
			served <- fmt.Errorf("serve returned %v before its request in flight finished", err)
		}
	}()

	// The request runs in a goroutine of its own, where the test must not
	// fail: it reports what it got, and gives up when the test ends.
	got := make(chan string, 1)
	go func() {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+ln.Addr().String()+"/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- resp.Status + " " + string(body)
	}()
	select {
	case <-inHandler:
	case err := <-served:
		t.Fatal(err)
	}
	cancel() // as SIGTERM would
	select {
	case <-shuttingDown:
	case err := <-served:
		close(release)
		t.Fatal(err)
	}
	if conn, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		conn.Close()
		t.Error("server still accepts connections after shutdown began")
	}
	close(release)

	if r := <-got; r != "200 OK done" {
		t.Errorf("request in flight got %q, want 200 OK done", r)
	}
	if err := <-served; err != nil {
		t.Errorf("serve returned %v after a graceful shutdown", err)
	}
}
