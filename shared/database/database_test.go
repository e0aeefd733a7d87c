package database_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/database"
	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestMigrationsUpAndDown(t *testing.T) {
	for name, databaseURL := range map[string]func(testing.TB) string{
		"sqlite": testenv.SQLiteURL,
		"mysql":  testenv.MySQLURL,
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, err := database.Open(ctx, databaseURL(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()

			applied, err := database.Migrate(ctx, db)
			if err != nil || applied != 1 {
				t.Fatalf("Migrate = %d, %v; want 1 migration applied", applied, err)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO tasks (name) VALUES (?)", "first"); err != nil {
				t.Fatalf("insert into the migrated table: %v", err)
			}
			if again, err := database.Migrate(ctx, db); err != nil || again != 0 {
				t.Fatalf("second Migrate = %d, %v; want nothing to do", again, err)
			}

			provider, err := database.Migrator(db)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := provider.DownTo(ctx, 0); err != nil {
				t.Fatalf("down: %v", err)
			}
			if _, err := db.ExecContext(ctx, "SELECT id FROM tasks"); err == nil {
				t.Fatal("tasks table still exists after migrating down")
			}
			if applied, err := database.Migrate(ctx, db); err != nil || applied != 1 {
				t.Fatalf("up after down = %d, %v", applied, err)
			}
		})
	}
}

func TestOpenCreatesSQLiteFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "instance")
	db, err := database.Open(context.Background(), "sqlite:"+filepath.Join(dir, "task_list.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("instance folder not created: %v", err)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenUnreachableMySQLFailsWithoutPassword(t *testing.T) {
	// Port 1 on loopback refuses at once; the error must not show the password.
	_, err := database.Open(context.Background(), "mysql://u:hunter2@127.0.0.1:1/tasks")
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the password: %v", err)
	}
}

// TestHostedMySQLURLStarts opens a real MySQL server through a URL as
// hosted add-ons hand them out. Without the mapping, the driver sends
// reconnect to the server, which refuses it as an unknown system variable.
func TestHostedMySQLURLStarts(t *testing.T) {
	base := testenv.MySQLURL(t)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	db, err := database.Open(t.Context(), base+sep+"reconnect=true&ssl-mode=disabled")
	if err != nil {
		t.Fatalf("a URL with reconnect=true does not start: %v", err)
	}
	defer db.Close()
	if _, err := database.Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM tasks").Scan(&n); err != nil {
		t.Fatalf("no query after start: %v", err)
	}
	_, err = database.Open(t.Context(), base+sep+"pool=5")
	if err == nil || !strings.Contains(err.Error(), `mysql:// URL parameter "pool"`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("an unknown parameter gives %v, want one line naming it and the variable", err)
	}
}
