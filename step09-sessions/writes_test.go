package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// writers is how many clients write at once in these tests.
const writers = 16

// clientContextKey is where keepClientContext keeps each request's own
// context: it ends when the client goes, whatever context a handler gives
// the store.
type clientContextKey struct{}

func keepClientContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientContextKey{}, r.Context())))
	})
}

// leftDuringCommit is a task store whose Add, for the names in reached,
// tells the test (which then drops the connection), waits until the server
// has seen the client go, and returns its context's error, if any. A name
// starting with "early" is committed before the client goes (a driver that
// reports the cancellation after the database committed), one starting
// with "late" after it (a commit still under way when the client left).
// unseen counts the clients the server did not see leave.
func leftDuringCommit(reached map[string]chan struct{}, unseen *atomic.Int32) *spyTasks {
	return &spyTasks{add: func(ctx context.Context, name string, add func(context.Context, string) error) error {
		underWay, ok := reached[name] // closed once that name's write is under way
		if !ok {
			return add(ctx, name)
		}
		late := strings.HasPrefix(name, "late")
		var err error
		if !late {
			err = add(ctx, name)
		}
		close(underWay)
		select {
		case <-ctx.Value(clientContextKey{}).(context.Context).Done(): // the client has gone
		case <-time.After(10 * time.Second): // a safety net: fails the test
			unseen.Add(1)
		}
		if late {
			err = add(ctx, name)
		}
		if err == nil {
			err = ctx.Err()
		}
		return err
	}}
}

// Sixteen clients send a task over raw connections and close them while it
// is written (half before the commit, half after it), as a browser closed
// after submitting would. Every task is stored, and the page lists them all:
// what a write does once accepted must not depend on its client staying.
func TestClientsLeavingDuringWrites(t *testing.T) {
	reached := map[string]chan struct{}{}
	for i := range writers {
		reached[fmt.Sprintf("%s %02d", []string{"early", "late"}[i%2], i)] = make(chan struct{})
	}
	var unseen atomic.Int32
	pages, app := newTestServer(t, testenv.MySQLURL(t), leftDuringCommit(reached, &unseen))
	// Writes go to a server of their own, whose Close waits for its handlers.
	writes := httptest.NewServer(keepClientContext(app.routes()))
	t.Cleanup(writes.Close)
	addTask(t, pages.URL, "before")
	listedNames(t, pages.URL) // the list is cached

	failures := make(chan string, writers)
	var wg sync.WaitGroup
	for name, underWay := range reached {
		wg.Go(func() {
			conn, err := net.Dial("tcp", writes.Listener.Addr().String())
			if err != nil {
				failures <- err.Error()
				return
			}
			defer conn.Close() // the client leaves, its write under way
			form := url.Values{"name": {name}}.Encode()
			fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
				writes.Listener.Addr(), len(form), form)
			select {
			case <-underWay:
			case <-time.After(10 * time.Second): // a safety net
				failures <- name + ": the write never reached the store"
			}
		})
	}
	wg.Wait()
	writes.Close()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	if n := unseen.Load(); n > 0 {
		t.Errorf("the server did not see %d of %d clients leave", n, writers)
	}
	stored, listed := storedNames(t, app), listedNames(t, pages.URL)
	if len(stored) != 1+writers || !slices.Equal(listed, stored) {
		t.Errorf("database holds %d tasks (want %d), page lists %d:\n%s\nvs\n%s", len(stored), 1+writers, len(listed),
			strings.Join(stored, ","), strings.Join(listed, ","))
	}
}

// errLostReply is what lostReplies reports after every write.
var errLostReply = errors.New("connection lost before the database's reply")

// lostReplies is a task store whose writes commit and then fail: the
// handler cannot tell a write that failed from one whose reply was lost.
func lostReplies() *spyTasks {
	return &spyTasks{
		add: func(ctx context.Context, name string, add func(context.Context, string) error) error {
			if err := add(ctx, name); err != nil {
				return err
			}
			return errLostReply
		},
		delete: func(ctx context.Context, id int64, del func(context.Context, int64) error) error {
			if err := del(ctx, id); err != nil {
				return err
			}
			return errLostReply
		},
	}
}

// Sixteen deletes, then sixteen adds, at once, each committed and then
// reported failed: every one answers 503, and the page still shows what the
// database holds. A write of unknown outcome invalidates all the same.
func TestWritesOfUnknownOutcomeInvalidate(t *testing.T) {
	srv, app := newTestServer(t, testenv.MySQLURL(t), lostReplies())
	var ids []int64
	for i := range writers {
		res, err := app.db.Exec("INSERT INTO tasks (name) VALUES (?)", fmt.Sprintf("old %02d", i))
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		ids = append(ids, id)
	}
	if n := len(listedNames(t, srv.URL)); n != writers { // and the list is cached
		t.Fatalf("the page lists %d tasks, want %d", n, writers)
	}

	check := func(what string, statuses []int, want int) {
		t.Helper()
		if n := countOf(statuses, http.StatusServiceUnavailable); n != writers {
			t.Errorf("%s: %d of %d answered 503: %v", what, n, writers, statuses)
		}
		stored, listed := storedNames(t, app), listedNames(t, srv.URL)
		if len(stored) != want || !slices.Equal(listed, stored) {
			t.Errorf("after %s, database holds %d tasks (want %d), page lists %d:\n%s\nvs\n%s", what, len(stored), want, len(listed),
				strings.Join(stored, ","), strings.Join(listed, ","))
		}
	}
	check("16 deletes", sendAtOnce(writers, func(i int) (*http.Response, error) {
		return client.PostForm(srv.URL+"/"+strconv.FormatInt(ids[i], 10)+"/delete", nil)
	}), 0)
	check("16 adds", sendAtOnce(writers, func(i int) (*http.Response, error) {
		return client.PostForm(srv.URL+"/", url.Values{"name": {fmt.Sprintf("new %02d", i)}})
	}), writers)
}

// sendAtOnce sends n requests concurrently and returns their statuses (0
// for a request that failed).
func sendAtOnce(n int, send func(i int) (*http.Response, error)) []int {
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if resp, err := send(i); err == nil {
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			}
		})
	}
	wg.Wait()
	return statuses
}

func countOf(statuses []int, status int) (n int) {
	for _, s := range statuses {
		if s == status {
			n++
		}
	}
	return n
}
