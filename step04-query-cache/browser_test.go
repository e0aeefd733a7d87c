package main

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// TestInARealBrowser does what a reader does: add a task, and, in this
// chapter, still see the empty list the cache held before the add (chapter
// 05 deletes the cached list after each write), with a screenshot.
func TestInARealBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	srv, app := newTestServer(t, testenv.SQLiteURL(t))
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "Write a <browser> test"),
		chromedp.Click(chromedp.CSS(`form.add-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.empty`)),
	); err != nil {
		t.Fatalf("add a task: %v", err)
	}
	if got := storedNames(t, app); len(got) != 1 {
		t.Errorf("stored %q, want the new task", got)
	}
	testenv.Screenshot(t, ctx, "added.png")
}
