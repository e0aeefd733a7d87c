package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/cacheconfig"
	"github.com/go-memcache-workshop/tasklist/shared/config"
	"github.com/go-memcache-workshop/tasklist/shared/database"
	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// databases lists the databases every handler test runs against: a SQLite
// file, and a fresh database on a real MySQL server.
var databases = map[string]func(testing.TB) string{
	"sqlite": testenv.SQLiteURL,
	"mysql":  testenv.MySQLURL,
}

// newTestServer serves the chapter's routes on a loopback port for the test,
// with a real memcached under a key prefix of the test's own.
func newTestServer(t testing.TB, databaseURL string) (*httptest.Server, *app) {
	t.Helper()
	servers, prefix := testenv.Memcached(t)
	return newTestServerEnv(t, map[string]string{
		"DATABASE_URL":      databaseURL,
		"MEMCACHED_SERVERS": strings.Join(servers, ","),
		"CACHE_KEY_PREFIX":  prefix,
	})
}

// newTestServerEnv starts the app with exactly the given settings.
func newTestServerEnv(t testing.TB, env map[string]string) (*httptest.Server, *app) {
	t.Helper()
	cfg, err := config.Parse(func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	db, err := database.Open(t.Context(), cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := cache.New(cacheconfig.Options(cfg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	app, err := newApp(t.Context(), db, c, &sqlTasks{db: db, queryDelay: cfg.TasksQueryDelay})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.routes())
	t.Cleanup(srv.Close)
	return srv, app
}

func TestHealthz(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			srv, app := newTestServer(t, databaseURL(t))
			if code, _, body := request(t, "GET", srv.URL+"/healthz", nil, nil); code != http.StatusOK || body != "ok\n" {
				t.Errorf("GET /healthz = %d %q, want 200 ok", code, body)
			}
			app.db.Close() // the database goes away
			if code, _, _ := request(t, "GET", srv.URL+"/healthz", nil, nil); code != http.StatusServiceUnavailable {
				t.Errorf("GET /healthz without a database = %d, want 503", code)
			}
		})
	}
}

func TestStartupMigrates(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			_, app := newTestServer(t, databaseURL(t))
			var n int
			if err := app.db.QueryRow("SELECT COUNT(*) FROM tasks").Scan(&n); err != nil || n != 0 {
				t.Errorf("tasks table after start-up: %d rows, %v; want an empty table", n, err)
			}
		})
	}
}

func TestEverythingElseIsNotFound(t *testing.T) {
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))
	for _, path := range []string{"/tasks", "/1", "/static/missing.css"} {
		if code, _, _ := request(t, "GET", srv.URL+path, nil, nil); code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, code)
		}
	}
}

func TestRequestsAreLogged(t *testing.T) {
	logs := testenv.CaptureLogs(t)
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))
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
	// A MySQL add-on's URL with a parameter the driver would send to the
	// server: one line naming the variable and the parameter.
	t.Setenv("CACHE_TIMEOUT", "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("JAWSDB_URL", "mysql://u:p@127.0.0.1:1/tasks?pool=5")
	err = run(t.Context())
	if err == nil || !strings.HasPrefix(err.Error(), `JAWSDB_URL: mysql:// URL parameter "pool"`) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("run = %v, want one line naming JAWSDB_URL and pool", err)
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
