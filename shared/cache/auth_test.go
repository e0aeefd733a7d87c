package cache

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// TestMemcachedAuthWithRightCredentials runs against a real memcached started
// with -Y, which refuses every command of a connection that has not
// authenticated.
func TestMemcachedAuthWithRightCredentials(t *testing.T) {
	server := testenv.AuthMemcached(t, "workshop", "s3cret-pa55")
	c, err := New(Options{
		Servers: []string{server.Addr},
		Login:   &Login{Username: "workshop", Password: "s3cret-pa55", Upstream: true, Hint: "the test's credentials"},
		Timeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Get(ctx, "k"); !errors.Is(err, ErrMiss) {
		t.Fatalf("Get of a new key = %v, want ErrMiss", err)
	}
	if err := c.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("Get = %q, %v; want \"v\"", v, err)
	}
}

func TestMemcachedAuthWithWrongCredentialsFailsFastAndSaysSo(t *testing.T) {
	logs := testenv.CaptureLogs(t)
	server := testenv.AuthMemcached(t, "workshop", "s3cret-pa55")
	const wrong = "wrong-pa55word"
	c, err := New(Options{
		Servers: []string{server.Addr},
		Login:   &Login{Username: "workshop", Password: wrong, Upstream: true, Hint: "MEMCACHED_USERNAME and MEMCACHED_PASSWORD"},
		Timeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for i := range 5 {
		start := time.Now()
		_, err := c.Get(ctx, "k")
		if err == nil || errors.Is(err, ErrMiss) || !strings.Contains(err.Error(), "authentication") {
			t.Fatalf("Get %d with wrong credentials = %v, want an authentication error", i, err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("Get %d took %v; a rejection should not wait for the timeout", i, took)
		}
		if strings.Contains(err.Error(), wrong) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	if err := c.Set(ctx, "k", []byte("v"), 0); err == nil {
		t.Error("Set with wrong credentials succeeded")
	}
	// 16 callers at once, each dialling its own connection: still one line.
	for _, err := range testenv.Concurrently(16, 300*time.Millisecond, func(int, int) error {
		_, err := c.Get(ctx, "k")
		return err
	}) {
		if err == nil || !strings.Contains(err.Error(), "authentication") {
			t.Fatalf("a concurrent Get with wrong credentials = %v, want an authentication error", err)
		}
	}
	var failures []string
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "authentication failed") {
			failures = append(failures, line)
		}
	}
	if len(failures) != 1 || !strings.Contains(failures[0], "MEMCACHED_USERNAME and MEMCACHED_PASSWORD") {
		t.Errorf("log lines about the failure: %q; want one that names MEMCACHED_USERNAME and MEMCACHED_PASSWORD", failures)
	}
	if strings.Contains(logs.String(), wrong) {
		t.Errorf("the log shows the password:\n%s", logs)
	}
}

func TestMemcachedAuthServerRefusesAClientWithoutCredentials(t *testing.T) {
	server := testenv.AuthMemcached(t, "workshop", "s3cret-pa55")
	c, err := New(Options{Servers: []string{server.Addr}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The check that the server really demands authentication: without it,
	// the tests above would pass against any memcached.
	if _, err := c.Get(context.Background(), "k"); err == nil || errors.Is(err, ErrMiss) {
		t.Fatalf("Get without credentials = %v, want the server's refusal", err)
	}
}
