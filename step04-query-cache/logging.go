package main

import (
	"bufio"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// logRequests logs one line per request, after the handler has finished.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logRequest(r, rec, start)
	})
}

// logRequest writes the request's line. It is a function of its own so that
// the line's kilobyte of locals is not on the stack while the handler runs:
// a deeper stack there makes the goroutine grow its stack again on every
// request after the garbage collector has shrunk it.
//
// The line goes straight to the handler, with typed attributes and no
// source line (a zero PC): slog.Info would box every value and walk the
// stack to find its caller, on every request.
func logRequest(r *http.Request, rec *statusRecorder, start time.Time) {
	h := slog.Default().Handler()
	if !h.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	line := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	line.AddAttrs(
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", rec.status),
		slog.Int("bytes", rec.bytes),
		slog.Duration("duration", time.Since(start).Round(time.Microsecond)),
	)
	h.Handle(r.Context(), line)
}

// statusRecorder remembers the status code and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (to flush, say).
func (r *statusRecorder) Unwrap() http.ResponseWriter {
	return r.ResponseWriter
}

// bufferedLog gathers log lines and writes them out every interval, when
// its buffer is full, and at Close: a busy server then makes one write for
// many lines instead of one per request, and a line is at most interval
// late.
type bufferedLog struct {
	mu   sync.Mutex
	w    *bufio.Writer
	done chan struct{}
}

func newBufferedLog(out io.Writer, interval time.Duration) *bufferedLog {
	l := &bufferedLog{w: bufio.NewWriterSize(out, 16<<10), done: make(chan struct{})}
	go func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				l.Flush()
			case <-l.done:
				return
			}
		}
	}()
	return l
}

func (l *bufferedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Flush writes out the lines gathered so far.
func (l *bufferedLog) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Flush()
}

// Close writes out what is left and stops the periodic flush.
func (l *bufferedLog) Close() error {
	close(l.done)
	return l.Flush()
}
