package main

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
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

// BenchmarkDecodeTaskList is what every hit on the cached list pays before
// rendering: decoding 200 tasks with gob, as cachedTasks stores them, or with
// encoding/json (go test -run '^$' -bench DecodeTaskList -benchmem).
func BenchmarkDecodeTaskList(b *testing.B) {
	tasks := make([]Task, 200)
	for i := range tasks {
		tasks[i] = Task{ID: int64(i + 1), Name: fmt.Sprintf("Task number %d: something to do", i+1)}
	}
	var asGob bytes.Buffer
	asJSON, err := json.Marshal(tasks)
	if err := errors.Join(err, gob.NewEncoder(&asGob).Encode(tasks)); err != nil {
		b.Fatal(err)
	}
	for _, codec := range []struct {
		name   string
		decode func(*[]Task) error
	}{
		{"gob", func(v *[]Task) error { return gob.NewDecoder(bytes.NewReader(asGob.Bytes())).Decode(v) }},
		{"json", func(v *[]Task) error { return json.Unmarshal(asJSON, v) }},
	} {
		b.Run(codec.name, func(b *testing.B) {
			for b.Loop() {
				var got []Task
				if err := codec.decode(&got); err != nil || len(got) != len(tasks) {
					b.Fatal(err)
				}
			}
		})
	}
}
