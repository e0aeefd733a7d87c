package testenv

import (
	"cmp"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts a headless Chromium (or Chrome) found on the PATH, closed
// when the test ends, and returns its context, good for a minute. Without
// one the test skips with a line saying what to install, or fails under
// CI=true.
func Browser(t testing.TB) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	for _, name := range []string{"chromium-browser", "google-chrome", "google-chrome-stable"} {
		if err != nil {
			path, err = exec.LookPath(name)
		}
	}
	if err != nil {
		msg := "testenv: no Chromium found: install it (Debian: apt-get install chromium) to run the browser tests"
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
		t.Fatalf("testenv: start %s: %v", path, err)
	}
	ctx, cancel := context.WithTimeout(browser, time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Screenshot saves the browser's page as BROWSER_ARTIFACTS (default
// ../artifacts/browser, beside the chapters) /<test's folder>-<name>.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := cmp.Or(os.Getenv("BROWSER_ARTIFACTS"), filepath.Join("..", "artifacts", "browser"))
	wd, _ := os.Getwd()
	file := filepath.Join(dir, filepath.Base(wd)+"-"+name)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err == nil {
		err = errors.Join(os.MkdirAll(dir, 0o755), os.WriteFile(file, png, 0o644))
	}
	if err != nil {
		t.Fatalf("testenv: screenshot %s: %v", file, err)
	}
	t.Logf("screenshot: %s", file)
}
