package testenv_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/go-memcache-workshop/tasklist/shared/database"
	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestMySQLGivesEachTestItsOwnDatabase(t *testing.T) {
	first, second := testenv.MySQLURL(t), testenv.MySQLURL(t)
	if first == second {
		t.Fatalf("two calls returned the same database %s", first)
	}
	for _, u := range []string{first, second} {
		src, err := database.ParseURL(u)
		if err != nil {
			t.Fatalf("harness URL %q does not parse: %v", u, err)
		}
		db, err := sql.Open("mysql", src.DSN)
		if err != nil {
			t.Fatal(err)
		}
		var tables int
		err = db.QueryRowContext(context.Background(),
			"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&tables)
		db.Close()
		if err != nil || tables != 0 {
			t.Errorf("fresh database has %d tables, err %v", tables, err)
		}
	}
}

func TestMySQLDatabaseAndUserAreDroppedAtCleanup(t *testing.T) {
	admin, err := sql.Open("mysql", testenv.MySQLAdminDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var name, databaseURL string
	t.Run("uses", func(t *testing.T) {
		databaseURL = testenv.MySQLURL(t)
		name = databaseURL[strings.LastIndex(databaseURL, "/")+1:]
		src, err := database.ParseURL(databaseURL)
		if err != nil {
			t.Fatal(err)
		}
		// The test's own user, not the administrator, with a long password.
		if u, _ := url.Parse(databaseURL); u.User.Username() != name || len(mustPassword(t, u)) < 32 {
			t.Errorf("DATABASE_URL %s: want the user %s with a long password", u.Redacted(), name)
		}
		db, err := sql.Open("mysql", src.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(t.Context(), "CREATE TABLE t (id INT)"); err != nil {
			t.Errorf("the test's user cannot use its database: %v", err)
		}
	})
	var n int
	if err := admin.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
	if err := admin.QueryRow("SELECT COUNT(*) FROM mysql.user WHERE user = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("user %s still exists after its test ended", name)
	}
}

func mustPassword(t *testing.T, u *url.URL) string {
	t.Helper()
	p, ok := u.User.Password()
	if !ok {
		t.Fatalf("%s has no password", u.Redacted())
	}
	return p
}

func TestMemcachedIsARealServer(t *testing.T) {
	servers, prefix := testenv.Memcached(t)
	_, other := testenv.Memcached(t)
	if prefix == other || prefix == "" {
		t.Fatalf("prefixes %q and %q: want distinct, non-empty", prefix, other)
	}
	conn, err := net.DialTimeout("tcp", servers[0], 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	key := prefix + "probe"
	fmt.Fprintf(conn, "set %s 0 60 2\r\nok\r\nget %s\r\n", key, key)
	r := bufio.NewReader(conn)
	var lines []string
	for len(lines) < 4 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %q: %v", lines, err)
		}
		lines = append(lines, strings.TrimSpace(line))
	}
	want := []string{"STORED", "VALUE " + key + " 0 2", "ok", "END"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("memcached answered %q, want %q", lines, want)
	}
}

// A TEST_MYSQL_DSN user may create databases but not grant: the harness
// then lets the app log in as that user, instead of failing every test.
func TestMySQLWithAUserThatCannotGrant(t *testing.T) {
	adminDSN := testenv.MySQLAdminDSN(t)
	admin, err := sql.Open("mysql", adminDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	suffix := fmt.Sprintf("%06d", time.Now().UnixNano()%1e6)
	limited, name := "nogrant_"+suffix, "test_nogrant_"+suffix
	for _, stmt := range []string{
		"CREATE USER '" + limited + "'@'%' IDENTIFIED BY 'no-grant-pa55'",
		"GRANT ALL PRIVILEGES ON *.* TO '" + limited + "'@'%'", // without GRANT OPTION
	} {
		if _, err := admin.ExecContext(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { admin.Exec("DROP USER IF EXISTS '" + limited + "'@'%'") })
	cfg, err := mysql.ParseDSN(adminDSN)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd = limited, "no-grant-pa55"

	databaseURL, err := testenv.CreateDatabase(t.Context(), cfg.FormatDSN(), name)
	if err != nil {
		t.Fatalf("CreateDatabase as a user without GRANT OPTION: %v", err)
	}
	defer testenv.DropDatabase(context.Background(), cfg.FormatDSN(), name)
	if u, _ := url.Parse(databaseURL); u.User.Username() != limited {
		t.Errorf("DATABASE_URL %s: want the DSN's own user, %s", u.Redacted(), limited)
	}
	src, err := database.ParseURL(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", src.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), "CREATE TABLE t (id INT)"); err != nil {
		t.Errorf("the DSN's user cannot use the database: %v", err)
	}
}
