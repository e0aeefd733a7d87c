package main

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/alexedwards/scs/v2"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/config"
	"github.com/go-memcache-workshop/tasklist/shared/database"
	"github.com/go-memcache-workshop/tasklist/shared/web"
)

//go:embed templates/*.html
var templates embed.FS

// app holds what the handlers need.
type app struct {
	db    *database.DB
	cache *cache.Client

	tasks         taskStore
	rows          *taskRows
	views         *viewCache
	sessions      *scs.SessionManager
	indexTemplate *template.Template
}

// newApp brings the database's schema up to date, so that a fresh checkout
// runs without a separate migration step. It closes nothing: the caller
// opened the stores it passes, and closes them.
func newApp(ctx context.Context, cfg config.Config, db *database.DB, c *cache.Client, tasks taskStore) (*app, error) {
	a := &app{db: db, cache: c}
	applied, err := database.Migrate(ctx, a.db)
	if err != nil {
		return nil, err
	}
	slog.Info("database ready", "dialect", a.db.Dialect, "migrations_applied", applied)
	if a.indexTemplate, err = web.Templates(templates, "templates/index.html"); err != nil {
		return nil, err
	}
	a.tasks = newCachedTasks(tasks, a.cache)
	if a.rows, err = newTaskRows(a.cache); err != nil {
		return nil, err
	}
	a.sessions = newSessions(a.cache, cfg)
	// A page with a flash message belongs to one browser: never cached.
	a.views = &viewCache{cache: a.cache, skip: a.hasFlash}
	return a, nil
}

// routes maps requests to handlers. Paths without a route get the mux's 404.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.Handle("GET /{$}", a.views.wrap(http.HandlerFunc(a.listTasks)))
	mux.HandleFunc("POST /{$}", a.addTask)
	mux.HandleFunc("POST /{id}/delete", a.deleteTask)
	mux.Handle("GET /static/", web.Static())

	// Middleware, innermost first: each line wraps the handler built so far.
	var handler http.Handler = mux
	handler = http.NewCrossOriginProtection().Handler(handler) // 403 for other sites' POSTs
	handler = a.sessions.LoadAndSave(handler)
	// Count each request's cache operations for the page's footer, the
	// session store's included.
	handler = web.TrackCache(a.cache, handler)
	handler = secureHeaders(handler)
	return logRequests(handler)
}
