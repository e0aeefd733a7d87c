package main

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// TestInARealBrowser does what a reader does: add a task, and, in this
// chapter, still see the stale empty list (05 fixes it), with a screenshot.
func TestInARealBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "Write a <browser> test"),
	); err != nil {
		t.Fatalf("open the page: %v", err)
	}
	// Mark this page: the one after the add looks the same (it is stale).
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.dataset.before = "yes"; true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form.add-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`body:not([data-before]) p.empty`)),
	); err != nil {
		t.Fatalf("add a task: %v", err)
	}
	testenv.Screenshot(t, ctx, "added.png")
}
