package main

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func addTask(t testing.TB, baseURL, name string) {
	t.Helper()
	code, hdr, body := postForm(t, baseURL+"/", url.Values{"name": {name}}, nil)
	if code != http.StatusSeeOther || hdr.Get("Location") != "/" {
		t.Fatalf("add %q: %d %q, want 303 to /", name, code, body)
	}
}

// storedNames reads the names straight from the database, in id order.
func storedNames(t testing.TB, a *app) []string {
	t.Helper()
	rows, err := a.db.Query("SELECT name FROM tasks ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

var rowName = regexp.MustCompile(`<td class="name">([^<]*)</td>`)

// listedNames returns the task names on the list page, as HTML.
func listedNames(t testing.TB, baseURL string) []string {
	t.Helper()
	code, _, body := request(t, "GET", baseURL+"/", nil, nil)
	if code != http.StatusOK {
		t.Fatalf("GET / = %d", code)
	}
	var names []string
	for _, m := range rowName.FindAllStringSubmatch(body, -1) {
		names = append(names, m[1])
	}
	return names
}

func TestTaskList(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			srv, app := newTestServer(t, databaseURL(t))

			code, _, body := request(t, "GET", srv.URL+"/", nil, nil)
			if code != http.StatusOK || !strings.Contains(body, "No tasks yet") || !strings.Contains(body, `name="name"`) {
				t.Fatalf("empty list: %d\n%s", code, body)
			}

			addTask(t, srv.URL, "write the skeleton")
			addTask(t, srv.URL, "  <script>alert('x')</script> & more  ")
			addTask(t, srv.URL, "ünïcødé ✓")
			want := []string{"write the skeleton", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more", "ünïcødé ✓"}
			if got := listedNames(t, srv.URL); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("listed %q, want %q", got, want)
			}
			if got := storedNames(t, app); got[1] != "<script>alert('x')</script> & more" {
				t.Errorf("stored %q: want the name trimmed, not escaped", got[1])
			}

			// Delete the second task, then again: both times 303, no error.
			var id string
			if err := app.db.QueryRow("SELECT id FROM tasks WHERE name LIKE '<script>%'").Scan(&id); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				code, hdr, body := postForm(t, srv.URL+"/"+id+"/delete", nil, nil)
				if code != http.StatusSeeOther || hdr.Get("Location") != "/" {
					t.Fatalf("delete %s: %d %q, want 303 to /", id, code, body)
				}
			}
			want = []string{"write the skeleton", "ünïcødé ✓"}
			if got := listedNames(t, srv.URL); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("after delete listed %q, want %q", got, want)
			}
		})
	}
}

func TestAddRejectsBadNames(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			srv, app := newTestServer(t, databaseURL(t))
			addTask(t, srv.URL, "keep me")
			addTask(t, srv.URL, strings.Repeat("é", 500)) // exactly the limit

			for _, tc := range []struct{ name, message string }{
				{"", "Please enter a task name."},
				{" \t ", "Please enter a task name."},
				{strings.Repeat("x", 501), "at most 500 characters"},
				{"bad \xff\xfe bytes", "not valid UTF-8"},
				{"line\nbreak", "control characters"},
			} {
				code, _, body := postForm(t, srv.URL+"/", url.Values{"name": {tc.name}}, nil)
				if code != http.StatusUnprocessableEntity {
					t.Errorf("add %q: %d, want 422", tc.name, code)
				}
				if !strings.Contains(body, tc.message) || !strings.Contains(body, "keep me") {
					t.Errorf("add %q: page lacks the message %q or the list:\n%s", tc.name, tc.message, body)
				}
			}
			if got := storedNames(t, app); len(got) != 2 {
				t.Errorf("stored %d tasks after rejected adds, want 2", len(got))
			}

			// The rejected text comes back in the form, so nothing typed is lost.
			_, _, body := postForm(t, srv.URL+"/", url.Values{"name": {strings.Repeat("y", 501)}}, nil)
			if !strings.Contains(body, `value="`+strings.Repeat("y", 501)+`"`) {
				t.Error("a rejected name is not kept in the form")
			}
		})
	}
}

func TestDeleteNonNumericIDIsNotFound(t *testing.T) {
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))
	for _, id := range []string{"abc", "1.5", "0", "-1", "99999999999999999999"} {
		if code, _, _ := postForm(t, srv.URL+"/"+id+"/delete", nil, nil); code != http.StatusNotFound {
			t.Errorf("delete %q: %d, want 404", id, code)
		}
	}
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			srv, app := newTestServer(t, databaseURL(t))
			addTask(t, srv.URL, "mine")
			var id string
			if err := app.db.QueryRow("SELECT id FROM tasks").Scan(&id); err != nil {
				t.Fatal(err)
			}
			for _, header := range []http.Header{
				{"Sec-Fetch-Site": {"cross-site"}},
				{"Origin": {"https://evil.example"}},
			} {
				if code, _, _ := postForm(t, srv.URL+"/", url.Values{"name": {"theirs"}}, header); code != http.StatusForbidden {
					t.Errorf("cross-origin add with %v: %d, want 403", header, code)
				}
				if code, _, _ := postForm(t, srv.URL+"/"+id+"/delete", nil, header); code != http.StatusForbidden {
					t.Errorf("cross-origin delete with %v: %d, want 403", header, code)
				}
			}
			// Same-origin browsers still get through.
			code, _, _ := postForm(t, srv.URL+"/", url.Values{"name": {"also mine"}}, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {srv.URL}})
			if code != http.StatusSeeOther {
				t.Errorf("same-origin add: %d, want 303", code)
			}
			if got := storedNames(t, app); strings.Join(got, "|") != "mine|also mine" {
				t.Errorf("stored %q after cross-origin attempts", got)
			}
		})
	}
}

// TestOversizedFormWithExpectContinueIs413 sends what curl sends for a large
// form: its length and "Expect: 100-continue", then waits. Each of 16
// callers at once must get its 413 without being asked for the body (a
// browser, which sends no Expect, takes the same path: the declared length).
func TestOversizedFormWithExpectContinueIs413(t *testing.T) {
	srv, app := newTestServer(t, testenv.SQLiteURL(t))
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: 10 * time.Second}}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			// Reading this body fails the request: the server must not ask for it.
			req, _ := http.NewRequest("POST", srv.URL+"/", iotest.ErrReader(errors.New("the server asked for the body")))
			req.ContentLength = 5 << 20
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Expect", "100-continue")
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("5 MB form with Expect: 100-continue: %v, want a 413", err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("5 MB form with Expect: 100-continue: %s, want 413", resp.Status)
			}
		})
	}
	wg.Wait()
	if got := storedNames(t, app); len(got) != 0 {
		t.Errorf("stored %q", got)
	}
}

func TestStylesheetIsServed(t *testing.T) {
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))
	if code, _, body := request(t, "GET", srv.URL+"/static/style.css", nil, nil); code != http.StatusOK || !strings.Contains(body, ".card") {
		t.Errorf("GET /static/style.css = %d", code)
	}
}

// FuzzAddTask posts arbitrary names: each is stored exactly as typed (but
// trimmed) with a 303, or refused with a 422 and nothing stored; never a 500.
func FuzzAddTask(f *testing.F) {
	for _, seed := range []string{"", "  ", "buy milk", "<script>alert(1)</script>", "bad \xff bytes", "tab\there", strings.Repeat("é", 500), strings.Repeat("x", 501), "\u202eRTL override", "NUL\x00byte"} {
		f.Add(seed)
	}
	srv, app := newTestServer(f, testenv.SQLiteURL(f))
	f.Fuzz(func(t *testing.T, name string) {
		before := len(storedNames(t, app))
		code, _, _ := postForm(t, srv.URL+"/", url.Values{"name": {name}}, nil)
		stored := storedNames(t, app)
		switch code {
		case http.StatusSeeOther:
			if len(stored) != before+1 || stored[len(stored)-1] != strings.TrimSpace(name) {
				t.Errorf("303 for %q, but stored %q", name, stored[len(stored)-1:])
			}
			if checkName(name) != "" {
				t.Errorf("stored %q, which checkName refuses", name)
			}
		case http.StatusUnprocessableEntity:
			if len(stored) != before {
				t.Errorf("422 for %q, but a task was stored", name)
			}
		default:
			t.Errorf("add %q: %d", name, code)
		}
	})
}
