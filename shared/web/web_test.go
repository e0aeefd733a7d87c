package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
)

func TestRenderSetsStatusAndEscapes(t *testing.T) {
	pages := fstest.MapFS{"page.html": {Data: []byte(`{{define "content"}}<p>{{.}}</p>{{end}}`)}}
	tmpl, err := Templates(pages, "page.html")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	Render(rec, httptest.NewRequest("GET", "/", nil), tmpl, http.StatusUnprocessableEntity, "<b>")
	if rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("status = %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	body := rec.Body.String()
	if !strings.Contains(body, "<p>&lt;b&gt;</p>") || !strings.Contains(body, `href="/static/style.css"`) {
		t.Errorf("body:\n%s", body)
	}
}

func TestRenderTemplateErrorIs500(t *testing.T) {
	pages := fstest.MapFS{"page.html": {Data: []byte(`{{define "content"}}{{.Missing}}{{end}}`)}}
	tmpl, err := Templates(pages, "page.html")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	Render(rec, httptest.NewRequest("GET", "/", nil), tmpl, http.StatusOK, 42)
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "<html") {
		t.Errorf("got %d with body %q; want a plain 500", rec.Code, rec.Body.String())
	}
}

func TestStaticServesStylesheet(t *testing.T) {
	rec := httptest.NewRecorder()
	Static().ServeHTTP(rec, httptest.NewRequest("GET", "/static/style.css", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("got %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestPanelMatchesTheLayout(t *testing.T) {
	c, err := cache.New(cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var page, panel []byte
	h := TrackCache(c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tmpl, err := Templates(fstest.MapFS{"p.html": {Data: []byte(`{{define "content"}}hi{{end}}`)}}, "p.html")
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		Render(rec, r, tmpl, http.StatusOK, nil)
		page = rec.Body.Bytes()
		panel = Panel(r.Context())
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !strings.HasPrefix(string(panel), PanelOpen) || !strings.HasSuffix(string(panel), PanelClose) {
		t.Errorf("panel does not start with PanelOpen and end with PanelClose:\n%s", panel)
	}
	if !strings.Contains(string(page), string(panel)) {
		t.Errorf("the page's panel differs from Panel's:\n%s\n---\n%s", page, panel)
	}
}

func TestPanelTracesTheRequestsOperations(t *testing.T) {
	c, err := cache.New(cache.Options{KeyPrefix: "app:"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := c.NewScope(t.Context(), true)
	c.Get(ctx, "view/<x>")
	c.Set(ctx, "view/<x>", []byte("page"), 0)
	c.Add(ctx, "view/<x>", []byte("page"), 0)
	c.GetMulti(ctx, []string{"a", "view/<x>", "c"})
	c.Delete(ctx, "a")
	panel := string(Panel(ctx))
	var lines []string
	for _, l := range strings.Split(panel, "\n") {
		if strings.Contains(l, "<li>") {
			// Drop the duration, which varies.
			lines = append(lines, strings.TrimSpace(l[:strings.LastIndex(l, ", ")]))
		}
	}
	want := []string{
		"<li>get <code>view/&lt;x&gt;</code> miss",
		"<li>set <code>view/&lt;x&gt;</code> stored",
		"<li>add <code>view/&lt;x&gt;</code> not stored",
		"<li>get_multi <code>a</code> and 2 more: 1 of 3 hit",
		"<li>delete <code>a</code> deleted",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("trace:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(panel, "keys shown without the prefix <code>app:</code>") {
		t.Errorf("the panel does not show the prefix once:\n%s", panel)
	}
	if strings.Contains(panel, "<x>") {
		t.Error("a key is not escaped")
	}
	// Nothing crosses a network to an in-process cache.
	if !strings.Contains(panel, `operations <b data-stat="round_trips">`) || strings.Contains(panel, "round trips") {
		t.Errorf("the in-process panel counts round trips:\n%s", panel)
	}
}
