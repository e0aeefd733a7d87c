package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/config"
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
	c, err := cache.New(config.Config{})
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
