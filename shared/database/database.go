// Package database opens the database named by DATABASE_URL and migrates it.
// Chapters share it so that they can teach caching, not connection pooling.
package database

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	_ "github.com/go-sql-driver/mysql" // registers "mysql"
	_ "github.com/mattn/go-sqlite3"    // registers "sqlite3"
	"github.com/pressly/goose/v3"
)

// PingTimeout bounds the first contact with the database at start-up.
const PingTimeout = 5 * time.Second

// DB is a connection pool that remembers its dialect.
type DB struct {
	*sql.DB
	Dialect string // MySQL or SQLite
}

// Open connects to the database of a DATABASE_URL and checks that it answers.
// Its errors do not name the variable: the caller knows which one it read.
// A SQLite file's folder is created if it does not exist yet.
func Open(ctx context.Context, databaseURL string) (*DB, error) {
	src, err := ParseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	for _, note := range src.Notes {
		slog.Info("database URL: " + note)
	}
	var db *sql.DB
	switch src.Dialect {
	case SQLite:
		if err := os.MkdirAll(filepath.Dir(src.DSN), 0o755); err != nil {
			return nil, fmt.Errorf("create folder for %s: %w", src.DSN, err)
		}
		// WAL lets readers work while a writer writes; the busy timeout makes
		// a writer wait for another instead of failing with "database is locked".
		db, err = sql.Open("sqlite3", "file:"+src.DSN+"?_journal_mode=WAL&_busy_timeout=5000&_txlock=immediate")
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	case MySQL:
		db, err = sql.Open("mysql", src.DSN)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(16)
		// Below MySQL's wait_timeout, so the pool never hands out a connection
		// the server has already closed.
		db.SetConnMaxLifetime(5 * time.Minute)
		db.SetConnMaxIdleTime(time.Minute)
	}

	pingCtx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", src.Display, err)
	}
	return &DB{DB: db, Dialect: src.Dialect}, nil
}

//go:embed migrations
var migrations embed.FS

// Migrator returns a goose provider over the embedded migrations of the
// database's dialect.
func Migrator(db *DB) (*goose.Provider, error) {
	dialect := goose.DialectSQLite3
	if db.Dialect == MySQL {
		dialect = goose.DialectMySQL
	}
	fsys, err := fs.Sub(migrations, "migrations/"+db.Dialect)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.DB, fsys)
}

// Migrate applies every pending migration and returns how many it applied.
func Migrate(ctx context.Context, db *DB) (int, error) {
	provider, err := Migrator(db)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("migrate: %w", err)
	}
	return len(results), nil
}

// SimulateSlowQuery pauses for d (TASKS_QUERY_DELAY), or until ctx is done:
// the extra cost of a query that the workshop pretends is expensive.
func SimulateSlowQuery(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
