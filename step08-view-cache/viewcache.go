package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/web"
)

// Header values every hit sends, made once (see secureHeaders).
var xCacheHit, xCacheMiss, noCache = []string{"HIT"}, []string{"MISS"}, []string{"no-cache"}

// viewTTL bounds how long a cached page may be served.
const viewTTL = 5 * time.Minute

// invalidated is what a write leaves under a page's key: not a page, but a
// marker that a page rendered before the write must not replace by "add".
var invalidated = []byte("invalidated")

// viewCache caches whole GET responses, as Flask-Caching's @cache.cached
// does for a view. It sits above the memoized query and the cached rows,
// so a page that drops out of the cache is rebuilt from warm parts
// (Russian doll caching).
type viewCache struct {
	cache *cache.Client
}

// viewKey names the cached page of a path: "view/" + path, as Flask-Caching
// does. Only requests without a query string are cached (see wrap).
func viewKey(path string) string {
	if len(path) > 100 {
		sum := sha256.Sum256([]byte(path))
		path = "#" + hex.EncodeToString(sum[:16])
	}
	return "view/" + path
}

// wrap serves next's 200 responses to GET and HEAD from the cache.
func (v *viewCache) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r) // not a read: nothing to say about the cache
			return
		}
		w.Header()["X-Cache"] = xCacheMiss
		// A write can only invalidate keys it can name, and a visitor can
		// invent endless query strings, so only the bare URL is cached.
		if r.URL.RawQuery != "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		key := viewKey(r.URL.EscapedPath())
		data, token, err := v.cache.GetCAS(ctx, key)
		if err == nil {
			if page, ok := decodeView(data); ok {
				w.Header()["X-Cache"] = xCacheHit
				page.serve(w, r)
				return
			}
		}

		// Render into a buffer, then decide once the handler has finished:
		// the page is stored whole, never piece by piece as it is written.
		rec := &responseBuffer{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		page, ok := newCachedView(rec)
		if !ok {
			rec.sendTo(w)
			return
		}
		// After a cache failure (the client logs it), the page is not stored.
		if err == nil || errors.Is(err, cache.ErrMiss) {
			v.store(ctx, key, page, err == nil, token)
		}
		page.serve(w, r)
	})
}

// store saves a freshly rendered page. Where there was nothing, "add"
// fails if a write left its marker meanwhile; where there was a marker (or
// an unreadable value), compare-and-swap fails if another write replaced
// it. Either way a page rendered before a write is never stored after it.
// A failure costs the next request a render; the client logs it.
func (v *viewCache) store(ctx context.Context, key string, page *cachedView, replace bool, token uint64) {
	if replace {
		v.cache.CompareAndSwap(ctx, key, page.encode(), viewTTL, token)
	} else {
		v.cache.Add(ctx, key, page.encode(), viewTTL)
	}
}

// invalidate marks the cached page of path as out of date after a write,
// even one that used up its deadline: the client bounds it by CACHE_TIMEOUT
// and logs a failure.
func (v *viewCache) invalidate(ctx context.Context, path string) {
	v.cache.Set(context.WithoutCancel(ctx), viewKey(path), invalidated, viewTTL)
}

// cachedView is a stored page: the headers that matter and the body, cut
// around the cache panel. The panel reports on the request being served,
// so it is left out of the cache (a "hole") and filled in at serve time.
type cachedView struct {
	contentType string
	etag        string
	before      []byte // body up to the panel
	after       []byte // body after the panel
}

// newCachedView keeps a response worth caching: a 200 that sets no cookie
// and does not forbid storing. Its panel, if any, becomes the hole.
func newCachedView(rec *responseBuffer) (*cachedView, bool) {
	if rec.status != http.StatusOK || rec.header.Get("Set-Cookie") != "" || rec.header.Get("Cache-Control") != "" {
		return nil, false
	}
	body := rec.body.Bytes()
	before, after := body, []byte(nil)
	if start := bytes.Index(body, []byte(web.PanelOpen)); start >= 0 {
		if end := bytes.Index(body[start:], []byte(web.PanelClose)); end >= 0 {
			before, after = body[:start], body[start+end+len(web.PanelClose):]
		}
	}
	sum := sha256.New()
	sum.Write(before)
	sum.Write(after)
	return &cachedView{
		contentType: rec.header.Get("Content-Type"),
		// Weak: the bytes sent differ by the panel, the page does not.
		etag:   `W/"` + hex.EncodeToString(sum.Sum(nil)[:12]) + `"`,
		before: before,
		after:  after,
	}, true
}

// serve writes the page with a panel for this request, or 304 when the
// browser already has it.
func (p *cachedView) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("ETag", p.etag)
	// The browser must ask every time; the ETag makes asking cheap.
	h["Cache-Control"] = noCache
	if etagMatches(r.Header.Get("If-None-Match"), p.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	panel := web.Panel(r.Context())
	h.Set("Content-Type", p.contentType)
	h.Set("Content-Length", strconv.Itoa(len(p.before)+len(panel)+len(p.after)))
	w.WriteHeader(http.StatusOK)
	w.Write(p.before)
	w.Write(panel)
	w.Write(p.after)
}

// etagMatches compares If-None-Match with weak comparison (RFC 9110).
func etagMatches(ifNoneMatch, etag string) bool {
	if ifNoneMatch == "" {
		return false
	}
	if ifNoneMatch == "*" {
		return true
	}
	opaque := strings.TrimPrefix(etag, "W/")
	for candidate := range strings.SplitSeq(ifNoneMatch, ",") {
		if strings.TrimPrefix(strings.TrimSpace(candidate), "W/") == opaque {
			return true
		}
	}
	return false
}

// encode lays a page out as: content type, ETag and the length of the part
// before the panel on one line each, then both parts. It is a few copies
// cheaper than JSON with base64 bodies, on the path every hit takes.
func (p *cachedView) encode() []byte {
	var b bytes.Buffer
	b.Grow(len(p.contentType) + len(p.etag) + len(p.before) + len(p.after) + 32)
	b.WriteString(p.contentType + "\n" + p.etag + "\n" + strconv.Itoa(len(p.before)) + "\n")
	b.Write(p.before)
	b.Write(p.after)
	return b.Bytes()
}

// decodeView reads back what encode laid out, sharing data's memory.
func decodeView(data []byte) (page cachedView, ok bool) {
	contentType, rest, ok1 := bytes.Cut(data, []byte("\n"))
	etag, rest, ok2 := bytes.Cut(rest, []byte("\n"))
	size, body, ok3 := bytes.Cut(rest, []byte("\n"))
	n, err := strconv.Atoi(string(size))
	if !ok1 || !ok2 || !ok3 || err != nil || n < 0 || n > len(body) {
		return page, false // the invalidation marker, or not a page
	}
	return cachedView{contentType: string(contentType), etag: string(etag), before: body[:n], after: body[n:]}, true
}

// responseBuffer holds a handler's response until it is complete.
type responseBuffer struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (b *responseBuffer) Header() http.Header { return b.header }

func (b *responseBuffer) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *responseBuffer) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}

// sendTo passes an uncached response on unchanged.
func (b *responseBuffer) sendTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.status)
	w.Write(b.body.Bytes())
}
