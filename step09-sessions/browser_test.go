package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// chromium finds a Chromium or Chrome to drive; "" when there is none.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// TestInARealBrowser does what a reader does: add a task, see it listed with
// its flash, delete it, see the flash and the empty list. Screenshots go to
// BROWSER_ARTIFACTS (default ../artifacts/browser).
func TestInARealBrowser(t *testing.T) {
	path := chromium()
	if path == "" {
		msg := "no Chromium found: install it (Debian: apt-get install chromium) to run the browser test"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))

	alloc, cancel := chromedp.NewExecAllocator(t.Context(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		// No calls home: this machine, like many CI runners, has no internet.
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1000, 700),
	)
	defer cancel()
	browser, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(browser, chromedp.Navigate(srv.URL+"/")); err != nil { // starts the browser
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(browser, 30*time.Second)
	defer cancel()
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}

	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "Write a <browser> test"),
		chromedp.Click(chromedp.CSS(`form.add-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`td.name`)),
	); err != nil {
		t.Fatalf("add a task: %v", err)
	}
	if got := text(`.alert.info`); got != "Added “Write a <browser> test”." {
		t.Errorf("flash after adding: %q", got)
	}
	if got := text(`td.name`); got != "Write a <browser> test" {
		t.Errorf("listed task: %q", got)
	}
	screenshot(t, ctx, "step09-added.png")

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`p.empty`)),
	); err != nil {
		t.Fatalf("delete the task: %v", err)
	}
	if got := text(`.alert.info`); got != "Deleted task #1." {
		t.Errorf("flash after deleting: %q", got)
	}
	screenshot(t, ctx, "step09-deleted.png")
}

func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("BROWSER_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "artifacts", "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", filepath.Join(dir, name))
}
