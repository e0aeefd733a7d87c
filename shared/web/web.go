// Package web holds the page layout, the stylesheet and a render helper, all
// embedded in the binary so that a page needs nothing from the network.
package web

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
)

//go:embed templates/*.html
var layoutFS embed.FS

//go:embed static
var staticFS embed.FS

// Templates parses a chapter's page templates on top of the shared layout.
// A page template defines "content" (and optionally "title"), which gets the
// data passed to Render as its dot.
func Templates(fsys fs.FS, patterns ...string) (*template.Template, error) {
	t, err := template.New("").ParseFS(layoutFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	return t.ParseFS(fsys, patterns...)
}

// The cache panel's first and last bytes in a rendered page, so that a
// page cache can cut the panel out and render a fresh one per request.
const (
	PanelOpen  = `<footer class="cache-panel" id="cache-panel">`
	PanelClose = `</footer>`
)

// layout holds the shared templates alone, to render the cache panel.
var layout = template.Must(template.New("").ParseFS(layoutFS, "templates/*.html"))

// Panel renders the cache panel of the request in ctx (PanelOpen through
// PanelClose), or nothing when the app does not track cache activity.
func Panel(ctx context.Context) ([]byte, error) {
	p := cache.PanelFrom(ctx)
	if p == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := layout.ExecuteTemplate(&buf, "cache-panel", p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Static serves the embedded stylesheet under /static/.
func Static() http.Handler {
	return http.FileServerFS(staticFS)
}

// page is what the layout renders: the chapter's data for its "content"
// template, and the request's cache activity when the app tracks it.
type page struct {
	Content any
	Cache   *cache.Panel
}

// Render executes the template into a buffer first, so that a template error
// becomes a clean 500 instead of half a page sent with a 200 status.
func Render(w http.ResponseWriter, r *http.Request, t *template.Template, status int, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", page{Content: data, Cache: cache.PanelFrom(r.Context())}); err != nil {
		slog.ErrorContext(r.Context(), "render page", "path", r.URL.Path, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
