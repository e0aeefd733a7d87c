package testenv

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestAnImageThatCannotBePulledSaysWhatToDo(t *testing.T) {
	requireDocker(t, "MySQL")
	err := requireImage(context.Background(), "taskcache/no-such-image:never", EnvMySQLImage, homeBuiltMySQLImage)
	if err == nil {
		t.Fatal("requireImage of an image that exists nowhere returned nil")
	}
	msg := err.Error()
	for _, want := range []string{"taskcache/no-such-image:never", "make test", "make images", "TEST_MYSQL_IMAGE=taskcache/mariadb:bookworm"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("the error is more than one line: %q", msg)
	}
}

// TestWaitReadyFallsBackToTheHostThatAnswers stands for testcontainers'
// wrong guess inside a container with a host that cannot answer.
func TestWaitReadyFallsBackToTheHostThatAnswers(t *testing.T) {
	host, port, err := net.SplitHostPort(strings.Split(memcachedServer(t), ",")[0])
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr, err := waitReady(ctx, []string{"unreachable.invalid", host}, port, memcachedProbe)
	if err != nil || addr != net.JoinHostPort(host, port) {
		t.Fatalf("waitReady = %q, %v; want %s:%s", addr, err, host, port)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := waitReady(ctx, []string{"unreachable.invalid"}, port, memcachedProbe); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("waitReady with no host that answers = %v, want a one-line error", err)
	}
}
