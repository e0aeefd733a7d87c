package main

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/config"
	"github.com/go-memcache-workshop/tasklist/shared/database"
	"github.com/go-memcache-workshop/tasklist/shared/web"
)

//go:embed templates/*.html
var templates embed.FS

// app holds what the handlers need.
type app struct {
	db            *database.DB
	cache         *cache.Client
	tasks         taskStore
	rows          *taskRows
	views         *viewCache
	indexTemplate *template.Template
}

// newApp connects to the database and brings its schema up to date, so that
// a fresh checkout runs without a separate migration step.
// wrapStore, if given, wraps the SQL task store beneath the cache: tests
// use it to count or hold the queries that reach the database.
func newApp(ctx context.Context, cfg config.Config, wrapStore ...func(taskStore) taskStore) (_ *app, err error) {
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
	if a.indexTemplate, err = web.Templates(templates, "templates/index.html"); err != nil {
		return nil, err
	}
	if a.cache, err = cache.New(cfg.CacheOptions()); err != nil {
		return nil, err
	}
	var store taskStore = &sqlTasks{db: a.db, queryDelay: cfg.TasksQueryDelay}
	for _, wrap := range wrapStore {
		store = wrap(store)
	}
	a.tasks = newCachedTasks(store, a.cache)
	if a.rows, err = newTaskRows(a.cache); err != nil {
		return nil, err
	}
	a.views = &viewCache{cache: a.cache}
	return a, nil
}

// Close releases what newApp acquired; newApp also calls it, on failure,
// with only part of the app built.
func (a *app) Close() error {
	if a.cache != nil {
		a.cache.Close()
	}
	if a.db == nil {
		return nil
	}
	return a.db.Close()
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
	// Refuse state-changing requests sent by other sites' pages (403): the
	// browser's Sec-Fetch-Site and Origin headers say where a form came from.
	handler = http.NewCrossOriginProtection().Handler(handler)
	// Count each request's cache operations for the page's footer.
	handler = web.TrackCache(a.cache, handler)
	handler = secureHeaders(handler)
	return logRequests(handler)
}
