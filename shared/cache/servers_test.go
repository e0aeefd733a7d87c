package cache

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestRendezvousMovesOnlyTheLostServersKeys(t *testing.T) {
	pool, err := newServerPool([]string{"127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"},
		time.Minute, 3, 8, memcache.NewFromSelector)
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
	pool.done(lost, false, time.Now(), &net.OpError{Op: "read", Err: syscall.ECONNRESET})
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
	pool, err := newServerPool([]string{"127.0.0.1:11211", "127.0.0.1:11212"}, time.Hour, 3, 8, memcache.NewFromSelector)
	if err != nil {
		t.Fatal(err)
	}
	key := "k"
	first, _, _ := pool.pick(key)
	pool.done(first, false, time.Now(), &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED})
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
	pool.done(first, true, time.Now(), memcache.ErrCacheMiss) // it answered
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

// A server that refuses connections is left out at once, with one line in
// the log, and so is one that times out failureLimit times in a row with no
// answer in between; an answer resets the count.
func TestWhatLeavesAServerOut(t *testing.T) {
	pool, err := newServerPool([]string{"127.0.0.1:11211"}, time.Hour, 3, 8, memcache.NewFromSelector)
	if err != nil {
		t.Fatal(err)
	}
	s := pool.servers[0]
	out := func() bool { return s.downUntil.Load() != 0 }
	timeout := &memcache.ConnectTimeoutError{}

	before := time.Now()
	pool.done(s, false, time.Now(), nil) // an answer
	pool.done(s, false, before, timeout) // began before that answer
	pool.done(s, false, before, timeout)
	pool.done(s, false, before, timeout)
	if out() {
		t.Fatal("left out for timeouts of operations that began before the server's last answer")
	}
	pool.done(s, false, time.Now(), timeout)
	pool.done(s, false, time.Now(), timeout)
	pool.done(s, false, time.Now(), ErrMiss) // an answer resets the count
	pool.done(s, false, time.Now(), timeout)
	pool.done(s, false, time.Now(), timeout)
	if out() {
		t.Fatal("left out after 2 timeouts in a row; the limit is 3")
	}
	pool.done(s, false, time.Now(), timeout)
	if !out() {
		t.Fatal("not left out after 3 timeouts in a row with no answer")
	}

	s.downUntil.Store(0)
	logs := testenv.CaptureLogs(t)
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	pool.done(s, false, time.Now(), refused)
	if !out() {
		t.Fatal("not left out after a refused connection")
	}
	pool.done(s, false, time.Now(), refused)
	if n := strings.Count(logs.String(), "left out"); n != 1 {
		t.Errorf("%d lines say the server is left out; want 1:\n%s", n, logs)
	}
}
