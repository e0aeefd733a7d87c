package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/config"
	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// countingTasks counts the queries that reach the database, each of which
// it makes slower by delay. Its wrap goes to newApp.
type countingTasks struct {
	taskStore
	delay   time.Duration
	queries atomic.Int64
}

func (c *countingTasks) wrap(next taskStore) taskStore {
	c.taskStore = next
	return c
}

func (c *countingTasks) All(ctx context.Context) ([]Task, error) {
	c.queries.Add(1)
	time.Sleep(c.delay)
	return c.taskStore.All(ctx)
}

func memcachedClient(t testing.TB) *cache.Client {
	t.Helper()
	servers, prefix := testenv.Memcached(t)
	return memcachedClientFor(t, servers, prefix)
}

func memcachedClientFor(t testing.TB, servers []string, prefix string) *cache.Client {
	t.Helper()
	c, err := cache.New(config.Config{MemcachedServers: servers, CacheKeyPrefix: prefix, CacheTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestColdCacheUnderLoadQueriesOnce(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			// A slow query keeps the first miss in flight while the others arrive.
			counting := &countingTasks{delay: time.Second}
			srv, _ := newTestServer(t, databaseURL(t), counting.wrap)
			addTask(t, srv.URL, "popular")

			var wg sync.WaitGroup
			failures := make(chan string, 50)
			for range 50 {
				wg.Go(func() {
					resp, err := http.Get(srv.URL + "/")
					if err != nil {
						failures <- err.Error()
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						failures <- resp.Status
					}
				})
			}
			wg.Wait()
			close(failures)
			for f := range failures {
				t.Error(f)
			}
			if n := counting.queries.Load(); n != 1 {
				t.Errorf("50 concurrent cold requests ran %d queries, want 1", n)
			}
		})
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

// blockingTasks lets the test hold a query in flight.
type blockingTasks struct {
	taskStore
	started, release chan struct{}
}

func (b *blockingTasks) All(ctx context.Context) ([]Task, error) {
	tasks, err := b.taskStore.All(ctx)
	close(b.started)
	<-b.release // the query has run; its result reaches the cache later
	return tasks, err
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
			slow := &blockingTasks{taskStore: store, started: make(chan struct{}), release: make(chan struct{})}
			cached := newCachedTasks(slow, app.cache)

			// A reader queries before the write...
			done := make(chan []Task)
			go func() {
				tasks, _ := cached.All(ctx)
				done <- tasks
			}()
			<-slow.started
			// ...a writer adds a task and invalidates while the reader is
			// still on its way to the cache...
			if err := cached.Add(ctx, "after"); err != nil {
				t.Fatal(err)
			}
			close(slow.release)
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
