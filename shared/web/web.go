// Package web holds the page layout, the stylesheet and a render helper, all
// embedded in the binary so that a page needs nothing from the network.
package web

import (
	"bytes"
	"context"
	"embed"
	"html"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

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
	t, err := template.New("").Funcs(template.FuncMap{"cachePanel": cachePanel}).ParseFS(layoutFS, "templates/*.html")
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

// TrackCache gives every request a cache scope of c, so that its page can
// show what that request did to the cache. A GET or HEAD request changes
// nothing, so its scope fails fast: once it has waited on a failed
// memcached server, its other cache operations are skipped and the page
// comes from the database. Other methods try every operation, since theirs
// include invalidations.
func TrackCache(c *cache.Client, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, _ := c.NewScope(r.Context(), r.Method == http.MethodGet || r.Method == http.MethodHead)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Panel renders the cache panel of the request in ctx (PanelOpen through
// PanelClose), or nothing when the request is not tracked (TrackCache).
func Panel(ctx context.Context) []byte {
	s := cache.ScopeFrom(ctx)
	if s == nil {
		return nil
	}
	return appendPanel(make([]byte, 0, 1024+160*len(s.Ops())), s)
}

func cachePanel(s *cache.Scope) template.HTML {
	return template.HTML(appendPanel(nil, s))
}

// appendPanel writes the panel by hand rather than through a template: a
// cached page renders it on every hit, and reflection-driven template
// execution cost more than the rest of the hit (16 µs and 167 allocations,
// measured with BenchmarkPanel). Everything it writes is a constant or a
// number, but for the trace's keys, which it escapes.
func appendPanel(b []byte, s *cache.Scope) []byte {
	b = append(b, PanelOpen...)
	if s.Client.Kind == cache.KindInProcess {
		b = append(b, "\n  <div class=\"alert warning\">No memcached configured: this app uses an in-process cache of at most CACHE_MEMORY_MB (64 MB unless set), least recently used entries evicted first, lost on restart and not shared between processes. Set MEMCACHED_SERVERS to use memcached.</div>"...)
	}
	b = append(b, "\n  <div>cache ("...)
	b = append(b, s.Client.Kind...) // one of the package's constants
	b = append(b, "), this request: "...)
	b = appendCounts(b, &s.Stats, s.Client.Kind)
	b = append(b, "</div>\n  <div>since start: "...)
	b = appendCounts(b, s.Client.Totals(), s.Client.Kind)
	b = append(b, "</div>\n"...)
	return append(appendTrace(b, s), PanelClose...)
}

// appendTrace lists this request's operations in order, as Django's debug
// toolbar lists a request's cache calls: each with its key (the prefix is
// shown once, above), its result and how long it took.
func appendTrace(b []byte, s *cache.Scope) []byte {
	ops := s.Ops()
	if len(ops) == 0 {
		return b
	}
	b = append(b, "  <details class=\"cache-trace\"><summary>this request's operations"...)
	if p := s.Client.Prefix(); p != "" {
		b = append(b, ", keys shown without the prefix <code>"...)
		b = append(b, html.EscapeString(p)...)
		b = append(b, "</code>"...)
	}
	b = append(b, "</summary>\n  <ol>\n"...)
	for _, op := range ops {
		b = append(b, "    <li>"...)
		b = append(b, op.Name...)
		b = append(b, " <code>"...)
		b = append(b, html.EscapeString(op.Key)...) // keys hold whatever a chapter put in them
		b = append(b, "</code>"...)
		if op.Keys > 1 {
			b = append(b, " and "...)
			b = strconv.AppendInt(b, int64(op.Keys-1), 10)
			b = append(b, " more: "...)
			b = strconv.AppendInt(b, int64(op.Hits), 10)
			b = append(b, " of "...)
			b = strconv.AppendInt(b, int64(op.Keys), 10)
			b = append(b, " hit"...)
			if op.Result == "error" {
				b = append(b, ", error"...)
			}
		} else {
			b = append(b, ' ')
			b = append(b, op.Result...)
		}
		b = append(b, ", "...)
		b = strconv.AppendFloat(b, float64(op.Took.Microseconds())/1000, 'f', 2, 64)
		b = append(b, " ms</li>\n"...)
	}
	return append(b, "  </ol></details>\n"...)
}

func appendCounts(b []byte, s *cache.Stats, kind string) []byte {
	// A round trip crosses the network to memcached; the in-process cache
	// has none, only operations.
	trips := "round trips"
	if kind == cache.KindInProcess {
		trips = "operations"
	}
	for i, c := range []struct {
		name, label string
		n           int64
	}{
		{"gets", "gets", s.Gets.Load()},
		{"hits", "hits", s.Hits.Load()},
		{"misses", "misses", s.Misses.Load()},
		{"sets", "sets", s.Sets.Load()},
		{"deletes", "deletes", s.Deletes.Load()},
		{"round_trips", trips, s.RoundTrips.Load()},
		{"errors", "errors", s.Errors.Load()},
	} {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, c.label...)
		b = append(b, ` <b data-stat="`...)
		b = append(b, c.name...)
		b = append(b, `">`...)
		b = strconv.AppendInt(b, c.n, 10)
		b = append(b, "</b>"...)
	}
	return b
}

// Static serves the embedded stylesheet under /static/.
func Static() http.Handler {
	return http.FileServerFS(staticFS)
}

// page is what the layout renders: the chapter's data for its "content"
// template, and the request's cache activity when the app tracks it.
type page struct {
	Content any
	Cache   *cache.Scope
}

// renderBuffers keeps page buffers between requests: a page of 200 tasks is
// some 70 KB, and growing a fresh buffer to that size for every request
// allocates about twice as much.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render executes the template into a buffer first, so that a template error
// becomes a clean 500 instead of half a page sent with a 200 status.
func Render(w http.ResponseWriter, r *http.Request, t *template.Template, status int, data any) {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		buf.Reset()
		renderBuffers.Put(buf)
	}()
	if err := t.ExecuteTemplate(buf, "layout", page{Content: data, Cache: cache.ScopeFrom(r.Context())}); err != nil {
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
