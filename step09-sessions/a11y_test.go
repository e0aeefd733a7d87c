package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
	"github.com/go-memcache-workshop/tasklist/shared/web/axe"
)

// TestAccessibility audits the page, cache panel included, with axe-core's
// WCAG 2.1 AA and best-practice rules in a real Chromium: empty, with tasks
// and a flash, with a validation error, and on the in-process cache. axe-core is vendored in
// shared/web/axe, so the audit needs no network.
func TestAccessibility(t *testing.T) {
	path := chromium()
	if path == "" {
		msg := "no Chromium found: install it (Debian: apt-get install chromium) to run the accessibility audit"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))

	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1000, 700),
	)
	defer cancel()
	browser, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(browser, chromedp.Navigate(srv.URL+"/")); err != nil { // starts the browser
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()

	audit := func(state string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe.Script+"\n;true")); err != nil {
			t.Fatalf("%s: load axe-core: %v", state, err)
		}
		violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axe.Violation](axe.Run, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: run axe-core: %v", state, err)
		}
		for _, v := range violations {
			t.Errorf("%s: %s", state, v)
		}
	}
	add := func(name string, wait string) {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), name),
			chromedp.Click(chromedp.CSS(`form.add-form button`)),
			chromedp.WaitVisible(chromedp.CSS(wait)),
		); err != nil {
			t.Fatalf("add %q: %v", name, err)
		}
	}

	audit("empty list")
	add("Write the skeleton", `td.name`)
	add("Audit the <page>", `tr:nth-child(2) td.name`)
	if got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.alert.info`))); !strings.Contains(got, "Audit the <page>") {
		t.Fatalf("no flash after adding: %q", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#cache-panel`))); got == "" {
		t.Fatal("no cache panel on the page")
	}
	audit("two tasks and a flash")
	add("   ", `.alert.error`)
	audit("a validation error")

	// Without memcached the page carries a note about the in-process cache.
	local, _ := newTestServerEnv(t, map[string]string{"DATABASE_URL": testenv.SQLiteURL(t)})
	if err := chromedp.Do(ctx, chromedp.Navigate(local.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#cache-panel .alert.warning`))); !strings.Contains(got, "No memcached configured") {
		t.Fatalf("no note about the in-process cache: %q", got)
	}
	audit("the in-process cache")
}
