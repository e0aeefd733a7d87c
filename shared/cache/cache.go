// Package cache builds the cache client the chapters use: memcached through
// gomemcache when servers are configured, an in-process map when not (as the
// Flask app fell back to Flask-Caching's "simple" cache). It adds the key
// prefix and counts every operation, per request and since start; what to
// cache, and when, is left to the chapters.
package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// ErrMiss is returned by Get when the key is not in the cache.
var ErrMiss = errors.New("cache: miss")

// ErrNotStored is returned by Add when the key already holds a value, and by
// CompareAndSwap when the key changed or vanished since it was read.
var ErrNotStored = errors.New("cache: not stored")

// store is one cache backend. Keys reach it with the prefix already added.
type store interface {
	get(ctx context.Context, key string) ([]byte, uint64, error) // value, CAS token; ErrMiss on a miss
	// getMulti returns the keys it found, and how many servers it asked.
	getMulti(ctx context.Context, keys []string) (map[string][]byte, int, error)
	set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	add(ctx context.Context, key string, value []byte, ttl time.Duration) error // ErrNotStored if present
	cas(ctx context.Context, key string, value []byte, ttl time.Duration, token uint64) error
	delete(ctx context.Context, key string) error // a missing key is not an error
	close() error
}

// Client is what the chapters call. It is safe for concurrent use.
//
// Every method takes the caller's context. An operation is not started when
// that context is already cancelled or past its deadline: it fails at once,
// counts as an error, and the caller falls back to the database as for any
// cache error. An operation waits for a free connection to its server under
// its context (see maxConns). Once sent, it cannot be
// interrupted, because gomemcache takes no context: it may wait up to
// CACHE_TIMEOUT for its server (to connect, and again for each read or
// write), however soon the context ends.
//
// Failures are not logged one by one: the client says once when a server
// is left out and once when it is back, and at most every reportEvery how
// many operations failed or were skipped.
type Client struct {
	store  store
	prefix string
	totals *Stats
	report report

	// Kind says which backend serves the cache, for the log and the page.
	Kind string
}

// Backend kinds.
const (
	KindMemcached = "memcached"
	KindInProcess = "in-process"
)

// New builds the cache o names: memcached when it has servers (logging
// every connection in when it has a Login), an in-process cache otherwise.
func New(o Options) (*Client, error) {
	o = o.withDefaults()
	if len(o.Servers) == 0 {
		slog.Warn("no memcached servers configured: using an in-process cache; it is not shared between processes and is lost on restart",
			"memory_mb", o.MemoryMB)
		return newClient(newMemoryStore(int64(o.MemoryMB)<<20), KindInProcess, o.KeyPrefix), nil
	}
	s, err := newMemcachedStore(o)
	if err != nil {
		return nil, err
	}
	slog.Info("cache ready", "kind", KindMemcached, "servers", o.Servers,
		"memcachier_auth", o.Login != nil && !o.Login.Upstream, "memcached_auth", o.Login != nil && o.Login.Upstream,
		"timeout", o.Timeout, "failure_limit", o.FailureLimit)
	return newClient(s, KindMemcached, o.KeyPrefix), nil
}

func newClient(s store, kind, prefix string) *Client {
	return &Client{store: s, prefix: prefix, totals: new(Stats), Kind: kind}
}

// Totals returns the counts since the client was built.
func (c *Client) Totals() *Stats { return c.totals }

// Prefix returns what the client puts before every key (CACHE_KEY_PREFIX).
func (c *Client) Prefix() string { return c.prefix }

// Close closes idle connections, and logs the failures not yet reported.
func (c *Client) Close() error {
	c.report.flush()
	return c.store.close()
}

// Get returns the value of key, or ErrMiss.
func (c *Client) Get(ctx context.Context, key string) ([]byte, error) {
	value, _, err := c.GetCAS(ctx, key)
	return value, err
}

// GetCAS is Get that also returns the token CompareAndSwap needs.
func (c *Client) GetCAS(ctx context.Context, key string) ([]byte, uint64, error) {
	var value []byte
	var token uint64
	began := time.Now()
	err := c.start(ctx, key)
	if err == nil {
		value, token, err = c.store.get(ctx, c.prefix+key)
	}
	op := Op{Name: "get", Key: key, Keys: 1, Result: "hit", Took: time.Since(began)}
	switch {
	case err == nil:
		op.Hits = 1
	case errors.Is(err, ErrMiss):
		op.Result = "miss"
	default:
		op.Result = "error"
	}
	c.record(ctx, err, roundTrips(err), op, func(s *Stats) {
		s.Gets.Add(1)
		switch op.Result {
		case "hit":
			s.Hits.Add(1)
		case "miss":
			s.Misses.Add(1)
		default:
			s.Errors.Add(1)
		}
	})
	if err != nil && !errors.Is(err, ErrMiss) {
		return nil, 0, fmt.Errorf("cache get %q: %w", key, err)
	}
	return value, token, err
}

// GetMulti fetches several keys, with one request to each server that holds
// some of them (sent to all those servers at once), and returns those it
// found, keyed without the prefix.
func (c *Client) GetMulti(ctx context.Context, keys []string) (map[string][]byte, error) {
	var found map[string][]byte
	var servers int
	began := time.Now()
	err := c.start(ctx, keys...)
	if err == nil {
		prefixed := make([]string, len(keys))
		for i, k := range keys {
			prefixed[i] = c.prefix + k
		}
		found, servers, err = c.store.getMulti(ctx, prefixed)
	}
	values := make(map[string][]byte, len(found))
	for _, k := range keys {
		if v, ok := found[c.prefix+k]; ok {
			values[k] = v
		}
	}
	op := Op{Name: "get_multi", Keys: len(keys), Hits: len(values), Result: "found", Took: time.Since(began)}
	if len(keys) > 0 {
		op.Key = keys[0]
	}
	if err != nil {
		op.Result = "error"
	}
	c.record(ctx, err, int64(servers), op, func(s *Stats) {
		s.Gets.Add(int64(len(keys)))
		s.Hits.Add(int64(len(values)))
		if err != nil {
			s.Errors.Add(1) // what was not found may be on a server that failed
		} else {
			s.Misses.Add(int64(len(keys) - len(values)))
		}
	})
	if err != nil {
		return values, fmt.Errorf("cache get %d keys: %w", len(keys), err)
	}
	return values, nil
}

// Set stores value under key for ttl (0: until evicted).
func (c *Client) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	began := time.Now()
	err := c.start(ctx, key)
	if err == nil {
		err = c.store.set(ctx, c.prefix+key, value, ttl)
	}
	c.record(ctx, err, roundTrips(err), Op{Name: "set", Key: key, Keys: 1, Result: result(err, "stored"), Took: time.Since(began)}, func(s *Stats) {
		s.Sets.Add(1)
		if err != nil {
			s.Errors.Add(1)
		}
	})
	if err != nil {
		return fmt.Errorf("cache set %q (%d bytes): %w", key, len(value), err)
	}
	return nil
}

// Add stores value under key only if the key holds nothing yet; otherwise it
// returns ErrNotStored. Two callers racing to create a key agree on one value.
func (c *Client) Add(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	began := time.Now()
	err := c.start(ctx, key)
	if err == nil {
		err = c.store.add(ctx, c.prefix+key, value, ttl)
	}
	return c.recordConditional(ctx, "add", key, began, err)
}

// CompareAndSwap stores value under key only if the key still holds what
// GetCAS returned with token; otherwise it returns ErrNotStored.
func (c *Client) CompareAndSwap(ctx context.Context, key string, value []byte, ttl time.Duration, token uint64) error {
	began := time.Now()
	err := c.start(ctx, key)
	if err == nil {
		err = c.store.cas(ctx, c.prefix+key, value, ttl, token)
	}
	return c.recordConditional(ctx, "cas", key, began, err)
}

// recordConditional counts an Add or CompareAndSwap, for which "not
// stored" is an answer, not an error.
func (c *Client) recordConditional(ctx context.Context, op, key string, began time.Time, err error) error {
	traced := Op{Name: op, Key: key, Keys: 1, Result: result(err, "stored"), Took: time.Since(began)}
	if errors.Is(err, ErrNotStored) {
		traced.Result = "not stored"
	}
	c.record(ctx, err, roundTrips(err), traced, func(s *Stats) {
		s.Sets.Add(1)
		if err != nil && !errors.Is(err, ErrNotStored) {
			s.Errors.Add(1)
		}
	})
	if err != nil && !errors.Is(err, ErrNotStored) {
		return fmt.Errorf("cache %s %q: %w", op, key, err)
	}
	return err
}

// Delete removes key; a key that is not there is not an error.
func (c *Client) Delete(ctx context.Context, key string) error {
	began := time.Now()
	err := c.start(ctx, key)
	if err == nil {
		err = c.store.delete(ctx, c.prefix+key)
	}
	c.record(ctx, err, roundTrips(err), Op{Name: "delete", Key: key, Keys: 1, Result: result(err, "deleted"), Took: time.Since(began)}, func(s *Stats) {
		s.Deletes.Add(1)
		if err != nil {
			s.Errors.Add(1)
		}
	})
	if err != nil {
		return fmt.Errorf("cache delete %q: %w", key, err)
	}
	return nil
}

// start says whether an operation on keys may begin: not when ctx is
// already cancelled or past its deadline, not when the request already
// waited on a failed server (see NewScope), and not for a key memcached would
// refuse. Such an operation never leaves the process.
func (c *Client) start(ctx context.Context, keys ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s := ScopeFrom(ctx); s != nil && s.failFast && s.failed.Load() {
		return errGaveUp
	}
	for _, k := range keys {
		if !validKey(c.prefix + k) {
			return errBadKey
		}
	}
	return nil
}

// record counts an operation and its round trips in the totals and in the
// scope's stats, adds it to the scope's trace, notes on the scope that the
// operation waited in vain, and reports a failure.
func (c *Client) record(ctx context.Context, err error, trips int64, op Op, count func(*Stats)) {
	count(c.totals)
	c.totals.RoundTrips.Add(trips)
	if s := ScopeFrom(ctx); s != nil {
		count(&s.Stats)
		s.Stats.RoundTrips.Add(trips)
		s.add(op)
		if connectionFailed(err) {
			s.failed.Store(true)
		}
	}
	// A miss or "not stored" is an answer; a cancelled context, a visitor
	// who left. Neither is a failure to report.
	if err != nil && !errors.Is(err, ErrMiss) && !errors.Is(err, ErrNotStored) && !errors.Is(err, context.Canceled) {
		c.report.add(err, trips == 0)
	}
}

var errBadKey = errors.New("key is not a valid memcached key (1-250 bytes, no spaces or control characters)")

// validKey applies memcached's rules for keys in its text protocol.
func validKey(key string) bool {
	if len(key) == 0 || len(key) > 250 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] == 0x7f {
			return false
		}
	}
	return true
}

// errGaveUp is the error of an operation not started because its scope
// already waited on a failed server.
var errGaveUp = errors.New("not started: this request already waited on a failed memcached server")

// result is ok for an operation that succeeded, "error" otherwise.
func result(err error, ok string) string {
	if err != nil {
		return "error"
	}
	return ok
}

// roundTrips is 1 for an operation that ended with err, unless it never
// left the process.
func roundTrips(err error) int64 {
	if errors.Is(err, errServerDown) || errors.Is(err, errGaveUp) || errors.Is(err, errBadKey) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return 0
	}
	return 1
}
