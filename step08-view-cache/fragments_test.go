package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestViewMissRebuildsFromWarmRows(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			srv, app := newTestServer(t, databaseURL(t))
			for n := 1; n <= 40; n++ {
				addTask(t, srv.URL, fmt.Sprintf("task %d", n))
			}
			request(t, "GET", srv.URL+"/", nil, nil) // renders and stores every part
			// The page drops out of the cache, its parts do not.
			if err := app.cache.Delete(t.Context(), viewKey("/")); err != nil {
				t.Fatal(err)
			}
			_, _, body := request(t, "GET", srv.URL+"/", nil, nil)
			// view miss, then the memoized list and all 40 rows in one round
			// trip each, then the page is stored.
			want := "gets=43 hits=42 misses=1 sets=1 deletes=0 round_trips=4 errors=0"
			if got := panelCounts(t, body); got != want {
				t.Errorf("view miss over warm parts: %s, want %s", got, want)
			}
			if rows := strings.Count(body, `<td class="name">`); rows != 40 {
				t.Errorf("page has %d rows, want 40", rows)
			}
		})
	}
}

func TestReusedIDNeverShowsTheDeletedTask(t *testing.T) {
	// SQLite without AUTOINCREMENT hands out the id of a deleted newest row
	// again; the original tutorial warns that a fragment keyed by id alone
	// would then show the deleted task.
	srv, app := newTestServer(t, testenv.SQLiteURL(t))
	addTask(t, srv.URL, "keep")
	addTask(t, srv.URL, "doomed")
	if got := listedNames(t, srv.URL); strings.Join(got, "|") != "keep|doomed" {
		t.Fatalf("listed %q", got)
	}
	var doomedID int64
	if err := app.db.QueryRow("SELECT id FROM tasks WHERE name = 'doomed'").Scan(&doomedID); err != nil {
		t.Fatal(err)
	}
	postForm(t, fmt.Sprintf("%s/%d/delete", srv.URL, doomedID), nil, nil)
	addTask(t, srv.URL, "newcomer")

	var newID int64
	if err := app.db.QueryRow("SELECT id FROM tasks WHERE name = 'newcomer'").Scan(&newID); err != nil {
		t.Fatal(err)
	}
	if newID != doomedID {
		t.Fatalf("SQLite gave the new task id %d, not the deleted %d: the test lost its point", newID, doomedID)
	}
	if got := listedNames(t, srv.URL); strings.Join(got, "|") != "keep|newcomer" {
		t.Errorf("listed %q, want [keep newcomer]", got)
	}
}

func TestHTMLInNamesStaysEscapedThroughTheCache(t *testing.T) {
	servers, prefix := testenv.Memcached(t)
	srv, app := newTestServerEnv(t, map[string]string{
		"DATABASE_URL":      testenv.SQLiteURL(t),
		"MEMCACHED_SERVERS": strings.Join(servers, ","),
		"CACHE_KEY_PREFIX":  prefix,
	})
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	addTask(t, srv.URL, evil)
	for _, load := range []string{"cold", "warm"} {
		code, _, body := request(t, "GET", srv.URL+"/", nil, nil)
		if code != http.StatusOK || strings.Contains(body, "<script>") || strings.Contains(body, "<img") {
			t.Errorf("%s page carries live HTML from a task name:\n%s", load, body)
		}
		if !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s page lacks the escaped name", load)
		}
	}
	// What memcached holds is the escaped row, too.
	tasks, err := app.tasks.All(t.Context())
	if err != nil || len(tasks) != 1 {
		t.Fatalf("tasks: %v, %v", tasks, err)
	}
	stored := rawGet(t, servers[0], prefix+app.rows.key(tasks[0]))
	if !strings.Contains(stored, "&lt;script&gt;") || strings.Contains(stored, "<script>") {
		t.Errorf("cached row is not escaped: %q", stored)
	}
}

// rawGet reads a key straight from memcached, as a person would with telnet.
func rawGet(t testing.TB, server, key string) string {
	t.Helper()
	conn, err := net.Dial("tcp", server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "get "+key+"\r\n")
	r := bufio.NewReader(conn)
	header, _ := r.ReadString('\n')
	if !strings.HasPrefix(header, "VALUE ") {
		t.Fatalf("memcached has no %s: %q", key, header)
	}
	var flags, size int
	fmt.Sscanf(header[len("VALUE "+key):], "%d %d", &flags, &size)
	value := make([]byte, size)
	io.ReadFull(r, value)
	return string(value)
}
