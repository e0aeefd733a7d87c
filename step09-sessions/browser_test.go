package main

import (
	"cmp"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// newBrowser starts a headless Chromium or Chrome found on the PATH, closed
// when the test ends, and returns its context. Without one the test skips,
// or fails under CI=true.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	for _, name := range []string{"chromium-browser", "google-chrome", "google-chrome-stable"} {
		if err != nil {
			path, err = exec.LookPath(name)
		}
	}
	if err != nil {
		msg := "no Chromium found: install it (Debian: apt-get install chromium) to run the browser tests"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		// No calls home: this machine, like many CI runners, has no internet.
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1000, 700),
	)
	t.Cleanup(cancel)
	browser, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil { // starts the browser
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestInARealBrowser does what a reader does: add a task, see it listed with
// its flash, delete it, see the flash and the empty list, with a screenshot
// of each.
func TestInARealBrowser(t *testing.T) {
	ctx := newBrowser(t)
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "Write a <browser> test"),
		chromedp.Click(chromedp.CSS(`form.add-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`td.name`)),
	); err != nil {
		t.Fatalf("add a task: %v", err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`td.name`))); strings.TrimSpace(got) != "Write a <browser> test" {
		t.Errorf("listed task: %q, %v", got, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.alert.info`))); strings.TrimSpace(got) != "Added “Write a <browser> test”." {
		t.Errorf("flash after adding: %q, %v", got, err)
	}
	screenshot(t, ctx, "added.png")

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`p.empty`)),
	); err != nil {
		t.Fatalf("delete the task: %v", err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.alert.info`))); strings.TrimSpace(got) != "Deleted task #1." {
		t.Errorf("flash after deleting: %q, %v", got, err)
	}
	screenshot(t, ctx, "deleted.png")
}

// screenshot saves the page as BROWSER_ARTIFACTS (default ../artifacts/browser)
// /<chapter>-<name>.
func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := cmp.Or(os.Getenv("BROWSER_ARTIFACTS"), filepath.Join("..", "artifacts", "browser"))
	wd, _ := os.Getwd()
	file := filepath.Join(dir, filepath.Base(wd)+"-"+name)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err == nil {
		err = errors.Join(os.MkdirAll(dir, 0o755), os.WriteFile(file, png, 0o644))
	}
	if err != nil {
		t.Fatalf("screenshot %s: %v", file, err)
	}
	t.Logf("screenshot: %s", file)
}
