package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/config"
	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// BenchmarkListPage serves GET / from a warm app with BENCH_TASKS tasks
// (default 200) on MySQL and memcached, without the network, so that
// -benchmem reports what one page costs the server. `make bench` runs it
// in every chapter.
func BenchmarkListPage(b *testing.B) {
	n := 200
	if v, err := strconv.Atoi(os.Getenv("BENCH_TASKS")); err == nil {
		n = v
	}
	servers, prefix := testenv.Memcached(b)
	env := map[string]string{
		"DATABASE_URL":      testenv.MySQLURL(b),
		"MEMCACHED_SERVERS": strings.Join(servers, ","),
		"CACHE_KEY_PREFIX":  prefix,
	}
	cfg, err := config.Parse(func(name string) (string, bool) { v, ok := env[name]; return v, ok })
	if err != nil {
		b.Fatal(err)
	}
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil))) // the request log still runs
	app, err := newApp(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	for i := 1; i <= n; i++ {
		if _, err := app.db.Exec("INSERT INTO tasks (name) VALUES (?)", fmt.Sprintf("Task number %d: something to do", i)); err != nil {
			b.Fatal(err)
		}
	}
	handler := app.routes()
	req := httptest.NewRequest("GET", "/", nil)
	for range 3 {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET / = %d", rec.Code)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		handler.ServeHTTP(httptest.NewRecorder(), req)
	}
}
