package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// TestInARealBrowser does what a reader does: add a task, see it listed,
// delete it, see the empty list, with a screenshot of each.
func TestInARealBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
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
	testenv.Screenshot(t, ctx, "added.png")

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`p.empty`)),
	); err != nil {
		t.Fatalf("delete the task: %v", err)
	}
	testenv.Screenshot(t, ctx, "deleted.png")
}
