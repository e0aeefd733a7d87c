package cache

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
)

// Stats counts cache operations. The zero value is ready to use.
type Stats struct {
	Gets, Hits, Misses, Sets, Deletes, RoundTrips, Errors atomic.Int64
}

func (s *Stats) String() string {
	return fmt.Sprintf("gets=%d hits=%d misses=%d sets=%d deletes=%d round_trips=%d errors=%d",
		s.Gets.Load(), s.Hits.Load(), s.Misses.Load(), s.Sets.Load(), s.Deletes.Load(),
		s.RoundTrips.Load(), s.Errors.Load())
}

// Panel is what a page shows about the cache: this request's operations and
// the totals since start. It is the workshop's stand-in for the MemCachier
// dashboard that the original tutorial asks the reader to watch.
type Panel struct {
	Kind    string
	Request *Stats
	Totals  *Stats

	// failFast: once an operation of this request has waited on a server
	// that failed, later ones are not started (see Client).
	failFast bool
	failed   atomic.Bool
}

type panelKey struct{}

// Track gives every request its own Stats, so that the page can show what
// that request did to the cache. A GET or HEAD request, which changes
// nothing, spends at most one CACHE_TIMEOUT on failed servers: after its
// first failure its other cache operations are not started. Other methods
// try every operation, since theirs include invalidations.
func (c *Client) Track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := &Panel{Kind: c.Kind, Request: new(Stats), Totals: c.totals,
			failFast: r.Method == http.MethodGet || r.Method == http.MethodHead}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), panelKey{}, p)))
	})
}

// PanelFrom returns the panel of a request tracked by Track, or nil.
func PanelFrom(ctx context.Context) *Panel {
	p, _ := ctx.Value(panelKey{}).(*Panel)
	return p
}
