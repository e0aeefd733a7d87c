package main

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
	"github.com/go-memcache-workshop/tasklist/shared/web/axe"
)

// TestAccessibility audits the page with axe-core's WCAG 2.1 AA and
// best-practice rules in a real Chromium, cache panel included: empty, with
// tasks, with a validation error, and on the in-process cache. axe-core is vendored in shared/web/axe, so the audit
// needs no network.
func TestAccessibility(t *testing.T) {
	ctx := testenv.Browser(t)
	audit := func(state string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", state, err)
		}
		violations, err := axe.Audit(ctx)
		if err != nil {
			t.Fatalf("%s: %v", state, err)
		}
		for _, v := range violations {
			t.Errorf("%s: %s", state, v)
		}
	}

	empty, _ := newTestServer(t, testenv.SQLiteURL(t))
	audit("empty list", chromedp.Navigate(empty.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`p.empty`)))
	// The tasks are added before the page is first loaded, so that no cache
	// of a later chapter holds an empty list.
	srv, _ := newTestServer(t, testenv.SQLiteURL(t))
	addTask(t, srv.URL, "Write the skeleton")
	addTask(t, srv.URL, "Audit the <page>")
	audit("two tasks", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`tr:nth-child(2) td.name`)))
	audit("a validation error",
		chromedp.SetValue(chromedp.CSS(`input[name="name"]`), "   "),
		chromedp.Click(chromedp.CSS(`form.add-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert.error`)),
	)

	// Without memcached the panel carries a note about the in-process cache.
	local, _ := newTestServerEnv(t, map[string]string{"DATABASE_URL": testenv.SQLiteURL(t)})
	audit("the in-process cache", chromedp.Navigate(local.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#cache-panel .alert.warning`)))
}
