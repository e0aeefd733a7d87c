package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// healthTimeout keeps /healthz quick when the database hangs.
const healthTimeout = 2 * time.Second

// healthz tells a load balancer or process manager whether the app can serve
// pages: 200 when the database answers, 503 when it does not.
func (a *app) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.db.PingContext(ctx); err != nil {
		slog.WarnContext(r.Context(), "health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}
