package main

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// TestAPanickingHandlerIsAnsweredAndLogged checks that a handler that panics
// still gets its request line, and its client an answer it cannot mistake
// for a success.
func TestAPanickingHandlerIsAnsweredAndLogged(t *testing.T) {
	logs := testenv.CaptureLogs(t)

	srv := httptest.NewServer(logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/midway":
			w.Write([]byte("half an answer"))
			http.NewResponseController(w).Flush()
		case "/abort":
			panic(http.ErrAbortHandler)
		}
		panic("boom")
	})))
	defer srv.Close()
	if code, _, body := request(t, "GET", srv.URL+"/early", nil, nil); code != http.StatusInternalServerError || body != "Internal Server Error\n" {
		t.Errorf("GET /early = %d %q, want 500 Internal Server Error", code, body)
	}
	// Once the answer has begun it is too late for a 500: the connection is
	// cut, so that the client cannot take half an answer for a whole one.
	for _, path := range []string{"/midway", "/abort"} {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+path, nil)
		if resp, err := client.Do(req); err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Errorf("GET %s = %s, a whole answer; want a cut connection", path, resp.Status)
			}
		}
	}

	srv.Close() // waits for the handlers, so the log is complete
	out := logs.String()
	for _, path := range []string{"/early", "/midway", "/abort"} {
		if want := "msg=request method=GET path=" + path + " status=500 "; strings.Count(out, want) != 1 {
			t.Errorf("log has %d lines with %q, want 1:\n%s", strings.Count(out, want), want, out)
		}
	}
	// The panic and its stack once, by the middleware: net/http says nothing
	// of it, nor of an http.ErrAbortHandler, which is no error.
	if n := strings.Count(out, `level=ERROR msg="handler panicked" panic=boom stack="goroutine `); n != 2 {
		t.Errorf("log has %d error lines with the panic and its stack, want 2 (/early, /midway):\n%s", n, out)
	}
	if strings.Count(out, "level=ERROR") != 2 || strings.Contains(out, "http: panic") {
		t.Errorf("log has more than the two panics:\n%s", out)
	}
}

// TestNoRequestLineIsLostWhenTheAppStops runs the app itself (main, in a
// copy of this test binary), sends it requests, stops it the moment the
// last answer is in, and finds every request's line in what it wrote to
// stderr. Killed, the app has no time to write anything: each line must be
// out before its answer.
func TestNoRequestLineIsLostWhenTheAppStops(t *testing.T) {
	if os.Getenv("TEST_RUN_MAIN") == "1" {
		main() // in the copy
		return
	}
	for _, stop := range []struct {
		name      string
		signal    os.Signal
		lastWords string // what the app logs as it stops, if it has the time
	}{
		{"killed", os.Kill, ""},
		{"interrupted", os.Interrupt, "INFO stopped"},
	} {
		t.Run(stop.name, func(t *testing.T) {
			if stop.signal == os.Interrupt && runtime.GOOS == "windows" {
				t.Skip("os.Interrupt cannot be sent on Windows")
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestNoRequestLineIsLostWhenTheAppStops$")
			cmd.Dir = t.TempDir() // no .env
			cmd.Env = append(os.Environ(), "TEST_RUN_MAIN=1", "ADDR=127.0.0.1:0", "MEMCACHED_SERVERS=", "MEMCACHIER_SERVERS=",
				"DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "task_list.db"))
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Read stderr to its end, and say where the app listens.
			var logged strings.Builder // the reader's until done is closed
			addr, done := make(chan string, 1), make(chan struct{})
			go func() {
				defer close(done)
				for lines := bufio.NewScanner(stderr); lines.Scan(); {
					logged.WriteString(lines.Text() + "\n")
					if _, a, ok := strings.Cut(lines.Text(), " INFO listening addr="); ok {
						addr <- a
					}
				}
			}()
			t.Cleanup(func() { cmd.Process.Kill(); <-done; cmd.Wait() })
			var base string
			select {
			case a := <-addr:
				base = "http://" + a
			case <-done:
				t.Fatalf("the app stopped before it listened:\n%s", logged.String())
			}

			paths := []string{"/healthz", "/missing/1", "/missing/2"}
			for _, path := range paths {
				request(t, "GET", base+path, nil, nil)
			}
			if err := cmd.Process.Signal(stop.signal); err != nil {
				t.Fatal(err)
			}
			<-done
			out := logged.String()
			for _, path := range paths {
				if want := "INFO request method=GET path=" + path + " status="; !strings.Contains(out, want) {
					t.Errorf("the app's stderr lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(out, stop.lastWords) {
				t.Errorf("the app's stderr lacks %q:\n%s", stop.lastWords, out)
			}
		})
	}
}
