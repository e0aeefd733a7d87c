package testenv_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

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

func TestMySQLDatabaseIsDroppedAtCleanup(t *testing.T) {
	testenv.MySQLURL(t) // skips here, not in the subtest, when there is no server
	var name, databaseURL string
	t.Run("uses", func(t *testing.T) {
		databaseURL = testenv.MySQLURL(t)
		name = databaseURL[strings.LastIndex(databaseURL, "/")+1:]
	})
	src, err := database.ParseURL(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	// Connect without naming the dropped database.
	db, err := sql.Open("mysql", strings.Replace(src.DSN, "/"+name, "/", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
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
