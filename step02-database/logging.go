package main

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// logRequests logs one line per request, once the handler has finished. A
// handler that panics gets its line too, with status 500, after an error
// line with the panic and its stack.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			p := recover()
			if p != nil && p != http.ErrAbortHandler {
				slog.ErrorContext(r.Context(), "handler panicked", "panic", p, "stack", string(debug.Stack()))
			}
			// A panic before the answer began is answered with a 500; after,
			// it is too late for one, and net/http cuts the connection.
			cut := p == http.ErrAbortHandler || p != nil && rec.wroteHeader
			if cut {
				rec.status = http.StatusInternalServerError
			} else if p != nil {
				http.Error(rec, "Internal Server Error", http.StatusInternalServerError)
			}
			slog.InfoContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path,
				"status", rec.status, "bytes", rec.bytes, "duration", time.Since(start).Round(time.Microsecond))
			if cut {
				panic(http.ErrAbortHandler) // net/http stays quiet about this one
			}
		}()
		next.ServeHTTP(rec, r)
	})
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
