package cache

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
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

// Scope gathers the cache operations of one unit of work, such as a web
// request: a client's operations under a context that carries the scope
// are counted in its Stats as well as in the client's totals.
type Scope struct {
	Stats  Stats
	Client *Client // whose operations these are

	// With failFast, once an operation of the scope has waited on a server
	// that failed, its later operations are not started.
	failFast bool
	failed   atomic.Bool

	mu    sync.Mutex
	ops   []Op
	first [8]Op // room for a page's usual operations without allocating
}

// Op is one operation of a scope, for a trace of what a request did.
type Op struct {
	Name   string // get, get_multi, set, add, cas, delete; rejected (see Stale)
	Key    string // without the prefix; a multi-get's first key
	Keys   int    // how many keys a multi-get asked for (1 otherwise)
	Hits   int    // how many of them it found
	Result string // hit, miss, stored, not stored, deleted, error, stale
	Took   time.Duration
}

// Ops returns the scope's operations so far, in the order they ended.
func (s *Scope) Ops() []Op {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ops
}

func (s *Scope) add(op Op) {
	s.mu.Lock()
	if s.ops == nil {
		s.ops = s.first[:0]
	}
	s.ops = append(s.ops, op)
	s.mu.Unlock()
}

type scopeKey struct{}

// NewScope returns a copy of ctx that carries a new scope of c. With
// failFast, the scope spends at most one CACHE_TIMEOUT on failed servers:
// right for work that only reads, such as a GET request, whose cache
// operations can all be skipped; wrong for work whose writes must reach
// the cache (invalidations), which should try every operation.
func (c *Client) NewScope(ctx context.Context, failFast bool) (context.Context, *Scope) {
	s := &Scope{Client: c, failFast: failFast}
	return context.WithValue(ctx, scopeKey{}, s), s
}

// Stale notes, in the trace of ctx's scope if it has one, that the caller
// read key but rejected its value as out of date: memcached counted a hit,
// the app a miss.
func Stale(ctx context.Context, key string) {
	if s := ScopeFrom(ctx); s != nil {
		s.add(Op{Name: "rejected", Key: key, Keys: 1, Result: "stale"})
	}
}

// ScopeFrom returns the scope that ctx carries, or nil.
func ScopeFrom(ctx context.Context) *Scope {
	s, _ := ctx.Value(scopeKey{}).(*Scope)
	return s
}
