package main

import (
	"context"
	"net/http"

	"github.com/go-memcache-workshop/tasklist/shared/config"
)

// app holds what the handlers need.
type app struct{}

func newApp(ctx context.Context, cfg config.Config) (*app, error) {
	return &app{}, nil
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
