package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// BenchmarkListPage serves GET / from a warm app with BENCH_TASKS tasks
// (default 200) on MySQL, with the chapter's cache as the tests use it,
// without the network, so that -benchmem reports what one page costs the
// server. `make bench` runs it in every chapter.
func BenchmarkListPage(b *testing.B) {
	n := 200
	if v, err := strconv.Atoi(os.Getenv("BENCH_TASKS")); err == nil {
		n = v
	}
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil))) // the request log still runs
	_, app := newTestServer(b, testenv.MySQLURL(b))
	for i := 1; i <= n; i++ {
		if _, err := app.db.Exec("INSERT INTO tasks (name) VALUES (?)", fmt.Sprintf("Task number %d: something to do", i)); err != nil {
			b.Fatal(err)
		}
	}
	testenv.BenchmarkGet(b, app.routes(), "/")
}
