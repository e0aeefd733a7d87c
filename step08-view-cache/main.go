// Command step08-view-cache is the eighth chapter of the workshop: whole
// pages cached in memcached above the memoized query and the cached rows of
// chapters 06 and 07, with the cache panel filled in per request.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/cacheconfig"
	"github.com/go-memcache-workshop/tasklist/shared/config"
	"github.com/go-memcache-workshop/tasklist/shared/database"
)

func main() {
	// Ctrl-C or a SIGTERM from a process manager cancels ctx, which starts a
	// graceful shutdown. The log needs no setup: slog's default handler
	// writes each line to stderr as it comes, so an exit loses none.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		slog.Error("cannot run", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.DatabaseURLVar, err) // DATABASE_URL, or an add-on's variable
	}
	defer db.Close()
	c, err := cache.New(cacheconfig.Options(cfg))
	if err != nil {
		return err
	}
	defer c.Close()
	app, err := newApp(ctx, db, c, &sqlTasks{db: db, queryDelay: cfg.TasksQueryDelay})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return serve(ctx, ln, app.routes())
}
