package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/config"
	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestRendezvousMovesOnlyTheLostServersKeys(t *testing.T) {
	pool, err := newServerPool([]string{"127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 30_000
	before := make([]string, n)
	perServer := map[string]int{}
	for i := range n {
		addr, _ := pool.PickServer(fmt.Sprintf("key-%d", i))
		before[i] = addr.String()
		perServer[before[i]]++
	}
	for server, count := range perServer {
		if share := float64(count) / n; share < 0.30 || share > 0.37 {
			t.Errorf("%s holds %.3f of the keys, want about a third", server, share)
		}
	}

	pool.markDown(pool.addrs[1])
	moved := 0
	for i := range n {
		addr, _ := pool.PickServer(fmt.Sprintf("key-%d", i))
		if addr.String() != before[i] {
			moved++
			if before[i] != pool.names[1] {
				t.Fatalf("key-%d moved from %s, a server that is still up", i, before[i])
			}
		}
	}
	t.Logf("losing 1 of 3 servers moved %d of %d keys (%.1f%%), all of them the lost server's", moved, n, 100*float64(moved)/n)
	if moved != perServer[pool.names[1]] {
		t.Errorf("moved %d keys, want exactly the lost server's %d", moved, perServer[pool.names[1]])
	}
}

// shortRetry makes a failed server come back within the test's patience.
func shortRetry(t *testing.T) {
	old := retryAfter
	retryAfter = 300 * time.Millisecond
	t.Cleanup(func() { retryAfter = old })
}

func TestThreeNodesOneStopped(t *testing.T) {
	shortRetry(t)
	nodes := []*testenv.Server{testenv.OwnMemcached(t), testenv.OwnMemcached(t), testenv.OwnMemcached(t)}
	addrs := []string{nodes[0].Addr, nodes[1].Addr, nodes[2].Addr}
	c, err := New(config.Config{MemcachedServers: addrs, CacheTimeout: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	const n = 300
	onStopped := 0
	pool := c.store.(*memcachedStore).servers
	for i := range n {
		key := fmt.Sprintf("k%d", i)
		if err := c.Set(ctx, key, []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		if addr, _ := pool.PickServer(key); addr.String() == nodes[1].Addr {
			onStopped++
		}
	}

	nodes[1].Stop(t)
	start := time.Now()
	hits, misses, failures := 0, 0, 0
	for i := range n {
		switch _, err := c.Get(ctx, fmt.Sprintf("k%d", i)); {
		case err == nil:
			hits++
		case errors.Is(err, ErrMiss):
			misses++
		default:
			failures++
		}
	}
	t.Logf("node 2 of 3 stopped: %d hits, %d misses, %d errors for %d keys (%d lived on node 2) in %v",
		hits, misses, failures, n, onStopped, time.Since(start).Round(time.Millisecond))
	if hits != n-onStopped {
		t.Errorf("%d hits, want every key of the two live nodes (%d)", hits, n-onStopped)
	}
	if failures > 1 {
		t.Errorf("%d errors: after the first, the stopped node should be left out", failures)
	}

	// The node comes back (empty): after retryAfter its keys return to it.
	nodes[1].Start(t)
	time.Sleep(2 * retryAfter)
	for i := range n {
		key := fmt.Sprintf("k%d", i)
		if err := c.Set(ctx, key, []byte("again"), 0); err != nil {
			t.Fatalf("set after the node returned: %v", err)
		}
	}
	back := 0
	for i := range n {
		if addr, _ := pool.PickServer(fmt.Sprintf("k%d", i)); addr.String() == nodes[1].Addr {
			back++
		}
	}
	if back != onStopped {
		t.Errorf("%d keys map to the returned node, want its %d again", back, onStopped)
	}
}

func TestFrozenServerCostsOneTimeout(t *testing.T) {
	shortRetry(t)
	node := testenv.OwnMemcached(t)
	c, err := New(config.Config{MemcachedServers: []string{node.Addr}, CacheTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	c.Set(ctx, "k", []byte("v"), 0)

	node.Freeze(t)
	var errs []error
	start := time.Now()
	for range 20 {
		_, err := c.Get(ctx, "k")
		errs = append(errs, err)
	}
	elapsed := time.Since(start)
	node.Thaw(t)
	for i, err := range errs {
		if err == nil || errors.Is(err, ErrMiss) {
			t.Fatalf("get %d from a frozen server = %v, want an error", i, err)
		}
	}
	if !strings.Contains(errs[len(errs)-1].Error(), errServerDown.Error()) {
		t.Errorf("later gets failed with %v, want the server left out", errs[len(errs)-1])
	}
	// 20 gets cost about one timeout, not twenty (generous bound, not a benchmark).
	if elapsed > 2*time.Second {
		t.Errorf("20 gets from a frozen server took %v", elapsed)
	}

	time.Sleep(2 * retryAfter)
	if v, err := c.Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Errorf("after the server thawed: %q, %v", v, err)
	}
}

func TestConnectionFailed(t *testing.T) {
	for err, want := range map[error]bool{
		nil:     false,
		ErrMiss: false,
		errors.New("memcache: unexpected response line from \"set\": \"SERVER_ERROR object too large for cache\\r\\n\""): false,
		&net.OpError{Op: "dial", Err: errors.New("connection refused")}:                                                  true,
	} {
		if got := connectionFailed(err); got != want {
			t.Errorf("connectionFailed(%v) = %v, want %v", err, got, want)
		}
	}
}
