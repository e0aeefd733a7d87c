package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/go-memcache-workshop/tasklist/shared/config"
	"github.com/go-memcache-workshop/tasklist/shared/database"
)

// app holds what the handlers need.
type app struct {
	db *database.DB
}

// newApp connects to the database and brings its schema up to date, so that
// a fresh checkout runs without a separate migration step.
func newApp(ctx context.Context, cfg config.Config) (_ *app, err error) {
	a := &app{}
	defer func() { // on failure, close whatever was opened
		if err != nil {
			a.Close()
		}
	}()
	if a.db, err = database.Open(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	applied, err := database.Migrate(ctx, a.db)
	if err != nil {
		return nil, err
	}
	slog.Info("database ready", "dialect", a.db.Dialect, "migrations_applied", applied)
	return a, nil
}

// Close releases what newApp acquired; newApp also calls it, on failure,
// with only part of the app built.
func (a *app) Close() error {
	if a.db == nil {
		return nil
	}
	return a.db.Close()
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
