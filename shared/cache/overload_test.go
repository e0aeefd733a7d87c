package cache

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// A busy client times out on answers that arrived but were not read in
// time, while the server keeps answering its other operations. Those
// timeouts are the client's own: the server stays in use, and the log
// hears about them in a line or two, not one per operation.
func TestSlowAnswersDoNotLeaveAnAnsweringServerOut(t *testing.T) {
	servers, prefix := testenv.Memcached(t)
	const timeout = 200 * time.Millisecond
	direct := memcache.New(servers[0])
	if err := direct.Set(&memcache.Item{Key: prefix + "k", Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	// Every fourth reply is held for longer than the timeout.
	relay := testenv.SlowReplies(t, servers[0], 4, timeout*3/2)
	logs := testenv.CaptureLogs(t)
	c, err := New(Options{Servers: []string{relay}, KeyPrefix: prefix,
		Timeout: timeout, RetryAfter: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	var hits, errs atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 40 {
				if _, err := c.Get(context.Background(), "k"); err == nil {
					hits.Add(1)
				} else {
					errs.Add(1)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("640 gets by 16 callers: %d hits, %d errors", hits.Load(), errs.Load())
	if errs.Load() == 0 {
		t.Fatal("no get timed out: the relay held no answer")
	}
	// A server left out for the minute would fail every later get.
	if hits.Load() < 640/2 {
		t.Errorf("%d of 640 gets hit; want at least half: the server answered most of them", hits.Load())
	}
	if strings.Contains(logs.String(), "left out") {
		t.Errorf("the server was left out while it kept answering:\n%s", logs)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n > 2 {
		t.Errorf("%d warning lines for %d failed gets; want at most 2:\n%s", n, errs.Load(), logs)
	}
}
