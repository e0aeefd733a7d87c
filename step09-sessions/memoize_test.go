package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func memcachedClient(t testing.TB) *cache.Client {
	t.Helper()
	servers, prefix := testenv.Memcached(t)
	return memcachedClientFor(t, servers, prefix)
}

func memcachedClientFor(t testing.TB, servers []string, prefix string) *cache.Client {
	t.Helper()
	c, err := cache.New(cache.Options{Servers: servers, KeyPrefix: prefix, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// burstServer starts the app with env, its queries counted, behind a
// server that holds every query until n GET requests have reached the app:
// then all n are in flight at once, however long they take to arrive.
// TASKS_QUERY_DELAY in env covers the last one's way to its cache read.
func burstServer(t *testing.T, env map[string]string, n int64) (*httptest.Server, *spyTasks) {
	t.Helper()
	arrived := make(chan struct{})
	counting := &spyTasks{all: func(ctx context.Context, all func(context.Context) ([]Task, error)) ([]Task, error) {
		select {
		case <-arrived:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return all(ctx)
	}}
	_, app := newTestServerEnv(t, env, counting)
	routes := app.routes()
	var gets atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && gets.Add(1) == n {
			close(arrived)
		}
		routes.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, counting
}

// getConcurrently sends n GET requests to url at once, and fails the test
// for any that is not a 200.
func getConcurrently(t *testing.T, url string, n int64) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := http.Get(url)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %s", url, resp.Status)
			}
		})
	}
	wg.Wait()
}

func TestColdCacheUnderLoadQueriesOnce(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			servers, prefix := testenv.Memcached(t)
			srv, counting := burstServer(t, map[string]string{
				"DATABASE_URL":      databaseURL(t),
				"MEMCACHED_SERVERS": strings.Join(servers, ","),
				"CACHE_KEY_PREFIX":  prefix,
				"TASKS_QUERY_DELAY": "200ms",
			}, 50)
			addTask(t, srv.URL, "popular")

			getConcurrently(t, srv.URL+"/", 50)
			if n := counting.queries.Load(); n != 1 {
				t.Errorf("50 concurrent cold requests ran %d queries, want 1", n)
			}
		})
	}
}

// TestColdBurstDuringOutageQueriesAtMostTwice: with every memcached server
// stopped, concurrent requests still share one query, when the database
// needs it most.
func TestColdBurstDuringOutageQueriesAtMostTwice(t *testing.T) {
	node := testenv.OwnMemcached(t)
	srv, counting := burstServer(t, map[string]string{
		"DATABASE_URL":      testenv.SQLiteURL(t),
		"MEMCACHED_SERVERS": node.Addr,
		"TASKS_QUERY_DELAY": "200ms",
	}, 50)
	addTask(t, srv.URL, "popular")
	node.Stop(t)

	getConcurrently(t, srv.URL+"/", 50)
	if n := counting.queries.Load(); n > 2 {
		t.Errorf("with memcached stopped, 50 concurrent requests ran %d queries, want at most 2", n)
	}
}

// TestWaiterLeavesWhenItsContextEnds: a caller that joins a call in flight
// stops waiting when its own context ends, and the call, which no caller's
// context can end, has a deadline of its own.
func TestWaiterLeavesWhenItsContextEnds(t *testing.T) {
	m := &memoizer{cache: memcachedClient(t), ttl: time.Minute}
	started, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int64
	var hasDeadline bool
	slow := memoize(m, "test.slow", func(ctx context.Context, _ struct{}) (string, error) {
		if calls.Add(1) == 1 {
			_, hasDeadline = ctx.Deadline()
			close(started)
		}
		<-release
		return "done", nil
	})
	first := make(chan string)
	go func() {
		got, _ := slow(t.Context(), struct{}{})
		first <- got
	}()
	<-started

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	waiter := make(chan error, 1)
	go func() {
		_, err := slow(ctx, struct{}{})
		waiter <- err
	}()
	select {
	case err := <-waiter:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("the waiter got %v, want its deadline", err)
		}
	case <-time.After(time.Second):
		t.Error("a caller with a 50 ms deadline still waits after 1 s, for a query held in flight")
	}
	close(release)
	if got := <-first; got != "done" || !hasDeadline {
		t.Errorf("the first caller got %q; the query had a deadline: %v; want done, true", got, hasDeadline)
	}
}

func TestMemoizeKeysAreValidForAnyArgument(t *testing.T) {
	c := memcachedClient(t)
	m := &memoizer{cache: c, ttl: time.Minute}
	var calls atomic.Int64
	echo := memoize(m, "test.echo", func(_ context.Context, s string) (string, error) {
		calls.Add(1)
		return "echo " + s, nil
	})
	args := []string{
		"",
		"plain",
		strings.Repeat("long ", 10_000),
		"spaces and\nnewlines\r\n and \x00 NUL",
		"ünïcødé ✓ 🙂",
		"memo:test.echo:abc:def", // looks like a key
	}
	ctx := t.Context()
	for range 2 {
		for _, arg := range args {
			got, err := echo(ctx, arg)
			if err != nil || got != "echo "+arg {
				t.Fatalf("echo(%.20q) = %.20q, %v", arg, got, err)
			}
		}
	}
	if n := calls.Load(); n != int64(len(args)) {
		t.Errorf("function ran %d times for %d distinct arguments called twice, want once each", n, len(args))
	}
	if n := c.Totals().Errors.Load(); n != 0 {
		t.Errorf("%d cache errors: some key was refused", n)
	}
}

func TestNoStaleValueAfterInterleavedWrite(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			_, app := newTestServer(t, databaseURL(t))
			ctx := t.Context()
			store := &sqlTasks{db: app.db}
			if err := store.Add(ctx, "before"); err != nil {
				t.Fatal(err)
			}
			// The reader's query is held once it has run: its result reaches
			// the cache later.
			started, release := make(chan struct{}), make(chan struct{})
			slow := &spyTasks{taskStore: store, all: func(ctx context.Context, all func(context.Context) ([]Task, error)) ([]Task, error) {
				tasks, err := all(ctx)
				close(started)
				<-release
				return tasks, err
			}}
			cached := newCachedTasks(slow, app.cache)

			// A reader queries before the write...
			done := make(chan []Task)
			go func() {
				tasks, _ := cached.All(ctx)
				done <- tasks
			}()
			<-started
			// ...a writer adds a task and invalidates while the reader is
			// still on its way to the cache...
			if err := cached.Add(ctx, "after"); err != nil {
				t.Fatal(err)
			}
			close(release)
			if old := <-done; len(old) != 1 {
				t.Fatalf("reader got %v", old)
			}
			// ...and stores its old list. It must never be served again.
			got, err := newCachedTasks(store, app.cache).All(ctx)
			if err != nil || len(got) != 2 {
				t.Errorf("after the write All = %v, %v; want both tasks", got, err)
			}
		})
	}
}

// BenchmarkResultKey is the cost memoize adds to every call before it
// reaches the cache: encoding the argument and hashing it.
func BenchmarkResultKey(b *testing.B) {
	arg := struct {
		Query string
		Page  int
	}{"tasks due this week", 3}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := resultKey("tasks.Search", arg); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzResultKey: whatever the argument, the key is a legal memcached key
// with room for the longest CACHE_KEY_PREFIX.
func FuzzResultKey(f *testing.F) {
	for _, seed := range []string{"", "plain", "with spaces\r\n", strings.Repeat("long ", 100), "\x00\x7f\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		key, err := resultKey("tasks.Search", arg)
		if err != nil {
			t.Fatal(err)
		}
		if len(key)+100 > 250 || strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			t.Errorf("key %q is not a legal memcached key with a 100-byte prefix", key)
		}
	})
}
