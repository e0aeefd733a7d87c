package main

import (
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// client does not follow redirects, so that a test sees each handler's own
// answer: a 303 and its Location, not the page after it.
var client = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// request sends one request to a test server and returns the answer's
// status, headers and body. It is the tests' only way to send a request:
// a failure to send or to read the answer fails the test, so a goroutine
// other than the test's own must not call it (t.Fatal would not stop the
// test from there). from, if given, is the browser that sends it (see
// browser); by default the request carries no cookies.
func request(t testing.TB, method, target string, header http.Header, body io.Reader, from ...*http.Client) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	sender := client
	for _, b := range from {
		sender = b
	}
	resp, err := sender.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, target, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// postForm sends a form the way a browser on the same site does.
func postForm(t testing.TB, target string, form url.Values, header http.Header, from ...*http.Client) (int, http.Header, string) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	maps.Copy(h, header)
	return request(t, "POST", target, h, strings.NewReader(form.Encode()), from...)
}

// browser is a client with cookies of its own, like a browser profile. Like
// the default client it does not follow redirects: a test loads the page a
// 303 points to as the browser would, with request.
func browser(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: client.CheckRedirect}
}

// spyTasks is the tests' one task store double: the real store beneath, the
// queries that reach it counted, and for each method a test sets (all, add,
// delete) the test's own code in its place, which gets the real method as
// its last argument.
type spyTasks struct {
	taskStore
	queries atomic.Int64 // calls of All
	all     func(ctx context.Context, all func(context.Context) ([]Task, error)) ([]Task, error)
	add     func(ctx context.Context, name string, add func(context.Context, string) error) error
	delete  func(ctx context.Context, id int64, del func(context.Context, int64) error) error
}

func (s *spyTasks) All(ctx context.Context) ([]Task, error) {
	s.queries.Add(1)
	if s.all == nil {
		return s.taskStore.All(ctx)
	}
	return s.all(ctx, s.taskStore.All)
}

func (s *spyTasks) Add(ctx context.Context, name string) error {
	if s.add == nil {
		return s.taskStore.Add(ctx, name)
	}
	return s.add(ctx, name, s.taskStore.Add)
}

func (s *spyTasks) Delete(ctx context.Context, id int64) error {
	if s.delete == nil {
		return s.taskStore.Delete(ctx, id)
	}
	return s.delete(ctx, id, s.taskStore.Delete)
}
