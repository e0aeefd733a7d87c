package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/go-memcache-workshop/tasklist/shared/database"
)

// app holds what the handlers need.
type app struct {
	db *database.DB
}

// newApp brings the database's schema up to date, so that a fresh checkout
// runs without a separate migration step. It closes nothing: the caller
// opened the stores it passes, and closes them.
func newApp(ctx context.Context, db *database.DB) (*app, error) {
	a := &app{db: db}
	applied, err := database.Migrate(ctx, a.db)
	if err != nil {
		return nil, err
	}
	slog.Info("database ready", "dialect", a.db.Dialect, "migrations_applied", applied)
	return a, nil
}

// routes maps requests to handlers. Paths without a route get the mux's 404.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.healthz)

	// Middleware, innermost first: each line wraps the handler built so far.
	var handler http.Handler = mux
	handler = secureHeaders(handler)
	return logRequests(handler)
}
