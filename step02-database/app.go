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
func newApp(ctx context.Context, cfg config.Config) (*app, error) {
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	applied, err := database.Migrate(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	slog.Info("database ready", "dialect", db.Dialect, "migrations_applied", applied)
	return &app{db: db}, nil
}

// Close releases what newApp acquired.
func (a *app) Close() error {
	return a.db.Close()
}

// routes maps requests to handlers. Paths without a route get the mux's 404.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.healthz)
	return logRequests(secureHeaders(mux))
}
