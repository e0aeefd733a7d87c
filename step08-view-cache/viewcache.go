package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
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
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			next.ServeHTTP(w, r) // not a read: nothing to say about the cache
		case r.URL.RawQuery != "":
			// Only the bare URL is cached: a write cannot name every query string.
			w.Header()["X-Cache"] = xCacheMiss
			next.ServeHTTP(w, r)
		default:
			v.serve(w, r, next)
		}
	})
}

// serve answers from the cache, or renders the page, stores it and sends it.
func (v *viewCache) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	page, hit, store := v.lookup(r.Context(), viewKey(r.URL.EscapedPath()))
	if hit {
		w.Header()["X-Cache"] = xCacheHit
		page.serve(w, r)
		return
	}
	w.Header()["X-Cache"] = xCacheMiss
	// Render into a buffer, then decide once the handler has finished:
	// the page is stored whole, never piece by piece as it is written.
	rec := &responseBuffer{header: http.Header{}, status: http.StatusOK}
	next.ServeHTTP(rec, r)
	fresh, ok := newCachedView(rec)
	if !ok {
		rec.sendTo(w)
		return
	}
	store(fresh)
	fresh.serve(w, r)
}

// lookup returns the page cached under key, or else how to store a fresh
// one there: by "add" where there was nothing, which fails if a write left
// its marker meanwhile; by compare-and-swap where there was a marker (or
// any other value that is not a page), which fails if another write
// replaced it. So a page rendered before a write is never stored after it.
// A failed store costs the next request a render; the client logs it.
func (v *viewCache) lookup(ctx context.Context, key string) (page cachedView, hit bool, store func(*cachedView)) {
	data, token, err := v.cache.GetCAS(ctx, key)
	switch {
	case errors.Is(err, cache.ErrMiss):
		return page, false, func(p *cachedView) { v.cache.Add(ctx, key, p.encode(), viewTTL) }
	case err != nil:
		return page, false, func(*cachedView) {} // the cache failed: store nothing
	}
	if page, hit = decodeView(data); hit {
		return page, true, nil
	}
	return page, false, func(p *cachedView) { v.cache.CompareAndSwap(ctx, key, p.encode(), viewTTL, token) }
}

// invalidate marks the cached page of path as out of date after a write,
// even one that used up its deadline: the client bounds it by CACHE_TIMEOUT
// and logs a failure.
func (v *viewCache) invalidate(ctx context.Context, path string) {
	v.cache.Set(context.WithoutCancel(ctx), viewKey(path), invalidated, viewTTL)
}
