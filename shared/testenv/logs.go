package testenv

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
)

// Logs is what the app logged during a test. The app's goroutines may log
// while the test reads it.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// CaptureLogs sends the default slog logger to a text handler on Logs until
// the test ends, then puts the previous logger back.
func CaptureLogs(t testing.TB) *Logs {
	previous := slog.Default()
	t.Cleanup(func() { slog.SetDefault(previous) })
	l := &Logs{}
	slog.SetDefault(slog.New(slog.NewTextHandler(l, nil)))
	return l
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String is everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
