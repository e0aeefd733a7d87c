package cache

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
)

func TestRendezvousMovesOnlyTheLostServersKeys(t *testing.T) {
	pool, err := newServerPool([]string{"127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"},
		time.Minute, memcache.NewFromSelector)
	if err != nil {
		t.Fatal(err)
	}
	const n = 30_000
	before := make([]*server, n)
	perServer := map[*server]int{}
	for i := range n {
		s, _, _ := pool.pick(fmt.Sprintf("key-%d", i))
		before[i] = s
		perServer[s]++
	}
	for s, count := range perServer {
		if share := float64(count) / n; share < 0.30 || share > 0.37 {
			t.Errorf("%s holds %.3f of the keys, want about a third", s.name, share)
		}
	}

	lost := pool.servers[1]
	pool.done(lost, false, &net.OpError{Op: "read", Err: errors.New("connection reset")})
	moved := 0
	for i := range n {
		s, _, _ := pool.pick(fmt.Sprintf("key-%d", i))
		if s != before[i] {
			moved++
			if before[i] != lost {
				t.Fatalf("key-%d moved from %s, a server that is still up", i, before[i].name)
			}
		}
	}
	t.Logf("losing 1 of 3 servers moved %d of %d keys (%.1f%%), all of them the lost server's", moved, n, 100*float64(moved)/n)
	if moved != perServer[lost] {
		t.Errorf("moved %d keys, want exactly the lost server's %d", moved, perServer[lost])
	}
}

// After its pause, a server is tried again by exactly one caller; the others
// keep going to their second choice until that try has answered.
func TestOneCallerTriesAServerAgain(t *testing.T) {
	pool, err := newServerPool([]string{"127.0.0.1:11211", "127.0.0.1:11212"}, time.Hour, memcache.NewFromSelector)
	if err != nil {
		t.Fatal(err)
	}
	key := "k"
	first, _, _ := pool.pick(key)
	pool.done(first, false, &memcache.ConnectTimeoutError{})
	first.downUntil.Store(time.Now().Add(-time.Second).UnixNano()) // the pause is over

	probes := 0
	for range 100 {
		s, probe, err := pool.pick(key)
		if err != nil {
			t.Fatal(err)
		}
		if probe {
			probes++
			if s != first {
				t.Fatalf("a try of %s, want of the server that failed", s.name)
			}
		} else if s == first {
			t.Fatal("the server that failed was picked before its try answered")
		}
	}
	if probes != 1 {
		t.Fatalf("%d tries, want 1", probes)
	}
	pool.done(first, true, memcache.ErrCacheMiss) // it answered
	if s, probe, _ := pool.pick(key); s != first || probe {
		t.Errorf("after its try answered, the key went to %s (probe %v), want its own server", s.name, probe)
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
