package cache

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// clients returns a client of each kind: a real memcached, and in-process.
func clients(t *testing.T) map[string]*Client {
	t.Helper()
	servers, prefix := testenv.Memcached(t)
	mc, err := New(Options{Servers: servers, KeyPrefix: prefix, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close() })
	mem, err := New(Options{KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*Client{KindMemcached: mc, KindInProcess: mem}
}

func TestGetSetDelete(t *testing.T) {
	for kind, c := range clients(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			if _, err := c.Get(ctx, "k"); !errors.Is(err, ErrMiss) {
				t.Fatalf("Get of a new key = %v, want ErrMiss", err)
			}
			if err := c.Set(ctx, "k", []byte("v1"), 0); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Get(ctx, "k"); err != nil || string(v) != "v1" {
				t.Fatalf("Get = %q, %v", v, err)
			}
			if err := c.Delete(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			if err := c.Delete(ctx, "k"); err != nil {
				t.Fatalf("Delete of a missing key = %v, want nil", err)
			}
			if _, err := c.Get(ctx, "k"); !errors.Is(err, ErrMiss) {
				t.Fatalf("Get after Delete = %v, want ErrMiss", err)
			}
			want := "gets=3 hits=1 misses=2 sets=1 deletes=2 round_trips=6 errors=0"
			if got := c.Totals().String(); got != want {
				t.Errorf("totals %s, want %s", got, want)
			}
		})
	}
}

func TestAddOnlyCreates(t *testing.T) {
	for kind, c := range clients(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			if err := c.Add(ctx, "v", []byte("first"), 0); err != nil {
				t.Fatal(err)
			}
			if err := c.Add(ctx, "v", []byte("second"), 0); !errors.Is(err, ErrNotStored) {
				t.Fatalf("second Add = %v, want ErrNotStored", err)
			}
			if v, err := c.Get(ctx, "v"); err != nil || string(v) != "first" {
				t.Fatalf("Get = %q, %v; want the first value", v, err)
			}
		})
	}
}

func TestCompareAndSwap(t *testing.T) {
	for kind, c := range clients(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			c.Set(ctx, "k", []byte("v1"), 0)
			_, token, err := c.GetCAS(ctx, "k")
			if err != nil {
				t.Fatal(err)
			}
			c.Set(ctx, "k", []byte("v2"), 0) // someone else writes in between
			if err := c.CompareAndSwap(ctx, "k", []byte("mine"), 0, token); !errors.Is(err, ErrNotStored) {
				t.Fatalf("CompareAndSwap after a change = %v, want ErrNotStored", err)
			}
			_, token, _ = c.GetCAS(ctx, "k")
			if err := c.CompareAndSwap(ctx, "k", []byte("mine"), 0, token); err != nil {
				t.Fatalf("CompareAndSwap on an unchanged key = %v", err)
			}
			if v, _ := c.Get(ctx, "k"); string(v) != "mine" {
				t.Errorf("value %q, want mine", v)
			}
			c.Delete(ctx, "k")
			if err := c.CompareAndSwap(ctx, "k", []byte("again"), 0, token); !errors.Is(err, ErrNotStored) {
				t.Errorf("CompareAndSwap on a deleted key = %v, want ErrNotStored", err)
			}
		})
	}
}

func TestGetMulti(t *testing.T) {
	for kind, c := range clients(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			for _, k := range []string{"a", "c"} {
				if err := c.Set(ctx, k, []byte("value of "+k), 0); err != nil {
					t.Fatal(err)
				}
			}
			got, err := c.GetMulti(ctx, []string{"a", "b", "c"})
			if err != nil || len(got) != 2 || string(got["a"]) != "value of a" || string(got["c"]) != "value of c" {
				t.Fatalf("GetMulti = %q, %v", got, err)
			}
			want := "gets=3 hits=2 misses=1 sets=2 deletes=0 round_trips=3 errors=0"
			if got := c.Totals().String(); got != want {
				t.Errorf("totals %s, want %s", got, want)
			}
		})
	}
}

func TestKeysCarryThePrefix(t *testing.T) {
	servers, prefix := testenv.Memcached(t)
	c, err := New(Options{Servers: servers, KeyPrefix: prefix, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set(context.Background(), "all_tasks", []byte("x"), time.Minute); err != nil {
		t.Fatal(err)
	}
	// Ask the server directly, under the full key.
	conn, err := net.Dial("tcp", servers[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "get "+prefix+"all_tasks\r\n")
	line, _ := bufio.NewReader(conn).ReadString('\n')
	if !strings.HasPrefix(line, "VALUE "+prefix+"all_tasks ") {
		t.Errorf("server has no %sall_tasks: %q", prefix, line)
	}
}

func TestBadKeysAndBigValuesAreErrorsNotPanics(t *testing.T) {
	for kind, c := range clients(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			for _, key := range []string{"has space", strings.Repeat("k", 251), "ctl\n"} {
				if err := c.Set(ctx, key, []byte("x"), 0); err == nil {
					t.Errorf("Set(%q) succeeded", key)
				}
				if _, err := c.Get(ctx, key); err == nil || errors.Is(err, ErrMiss) {
					t.Errorf("Get(%q) = %v, want an error that is not a miss", key, err)
				}
			}
			if err := c.Set(ctx, "big", make([]byte, 2<<20), 0); err == nil {
				t.Error("Set of a 2 MB value succeeded")
			}
			if n := c.Totals().Errors.Load(); n != 7 {
				t.Errorf("errors counted: %d, want 7", n)
			}
		})
	}
}

func TestFrozenServerIsAnErrorWithinTheTimeout(t *testing.T) {
	node := testenv.OwnMemcached(t)
	const timeout = 300 * time.Millisecond
	c, err := New(Options{Servers: []string{node.Addr}, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	node.Freeze(t)
	defer node.Thaw(t)
	start := time.Now()
	_, err = c.Get(t.Context(), "k")
	waited := time.Since(start)
	if err == nil || errors.Is(err, ErrMiss) {
		t.Fatalf("Get from a frozen server = %v, want an error", err)
	}
	// It waited for the timeout, and not much longer (a loose bound).
	if waited < timeout || waited > timeout+2*time.Second {
		t.Errorf("Get from a frozen server returned after %v, want about %v", waited, timeout)
	}
	if c.Totals().Errors.Load() != 1 {
		t.Errorf("errors counted: %d", c.Totals().Errors.Load())
	}
}

func TestScopesCountTheirOwnOperations(t *testing.T) {
	c := clients(t)[KindInProcess]
	var scopes []*Scope
	for range 2 {
		ctx, s := c.NewScope(t.Context(), true)
		c.Get(ctx, "k")
		c.Set(ctx, "k", []byte("v"), 0)
		scopes = append(scopes, s)
	}
	if got := scopes[1].Stats.String(); got != "gets=1 hits=1 misses=0 sets=1 deletes=0 round_trips=2 errors=0" {
		t.Errorf("second scope: %s", got)
	}
	if ScopeFrom(t.Context()) != nil {
		t.Error("a context without a scope has one")
	}
	Stale(t.Context(), "k") // no scope: nothing to note, no panic
	ctx, s := c.NewScope(t.Context(), true)
	Stale(ctx, "k")
	if ops := s.Ops(); len(ops) != 1 || ops[0].Name != "rejected" || ops[0].Key != "k" || ops[0].Result != "stale" {
		t.Errorf("trace after Stale: %+v", ops)
	}
	if got := c.Totals().String(); got != "gets=2 hits=1 misses=1 sets=2 deletes=0 round_trips=4 errors=0" {
		t.Errorf("totals: %s", got)
	}
}

func TestExpiration(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		ttl  time.Duration
		want int32
	}{
		{0, 0},
		{time.Millisecond, 1},
		{90 * time.Second, 90},
		{30 * 24 * time.Hour, 30 * 24 * 3600},
		{31 * 24 * time.Hour, 1_800_000_000 + 31*24*3600},
	} {
		if got := expiration(tc.ttl, now); got != tc.want {
			t.Errorf("expiration(%v) = %d, want %d", tc.ttl, got, tc.want)
		}
	}
}

// TestMemCachierHandshake checks, byte for byte, what a new connection sends
// before its first command. Upstream memcached authenticates differently, so
// a listener in the test plays MemCachier's part.
func TestMemCachierHandshake(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	received := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		var got strings.Builder
		for _, answer := range []string{"STORED\r\n", "END\r\n"} {
			// The auth "set" is two lines (command, password); the "gets" one.
			lines := 1
			if answer == "STORED\r\n" {
				lines = 2
			}
			for range lines {
				line, err := r.ReadString('\n')
				if err != nil {
					received <- got.String() + "<" + err.Error() + ">"
					return
				}
				got.WriteString(line)
			}
			io.WriteString(conn, answer)
		}
		received <- got.String()
	}()

	c, err := New(Options{
		Servers: []string{ln.Addr().String()},
		Login:   &Login{Username: "user-42", Password: "s3cr3t pass", Hint: "the test's credentials"},
		Timeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), "k"); !errors.Is(err, ErrMiss) {
		t.Fatalf("Get through the authenticated connection = %v, want ErrMiss", err)
	}
	want := "set user-42 0 0 11\r\ns3cr3t pass\r\ngets k\r\n"
	if got := <-received; got != want {
		t.Errorf("server received %q, want %q", got, want)
	}
}

func TestMemCachierRejectedCredentialsAreAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				r.ReadString('\n')
				r.ReadString('\n')
				io.WriteString(conn, "CLIENT_ERROR authentication failure\r\n")
			}()
		}
	}()
	c, err := New(Options{
		Servers: []string{ln.Addr().String()},
		Login:   &Login{Username: "user", Password: "wrong", Hint: "MEMCACHIER_USERNAME and MEMCACHIER_PASSWORD"},
		Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(context.Background(), "k")
	if err == nil || errors.Is(err, ErrMiss) || !strings.Contains(err.Error(), "authentication") {
		t.Fatalf("Get with rejected credentials = %v, want an authentication error", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error shows the password: %v", err)
	}
}
