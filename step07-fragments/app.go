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
	indexTemplate *template.Template
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
	indexTemplate, err := web.Templates(templates, "templates/index.html")
	if err != nil {
		db.Close()
		return nil, err
	}
	cacheClient, err := cache.New(cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	rows, err := newTaskRows(cacheClient)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &app{
		db:    db,
		cache: cacheClient,
		tasks: newCachedTasks(
			&sqlTasks{db: db, queryDelay: cfg.TasksQueryDelay},
			cacheClient,
		),
		rows:          rows,
		indexTemplate: indexTemplate,
	}, nil
}

// Close releases what newApp acquired.
func (a *app) Close() error {
	a.cache.Close()
	return a.db.Close()
}

// routes maps requests to handlers. Paths without a route get the mux's 404.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /{$}", a.listTasks)
	mux.HandleFunc("POST /{$}", a.addTask)
	mux.HandleFunc("POST /{id}/delete", a.deleteTask)
	mux.Handle("GET /static/", web.Static())

	// Refuse state-changing requests sent by other sites' pages (403): the
	// browser's Sec-Fetch-Site and Origin headers say where a form came from.
	csrf := http.NewCrossOriginProtection()
	// Track counts each request's cache operations for the page's footer.
	return logRequests(secureHeaders(a.cache.Track(csrf.Handler(mux))))
}
