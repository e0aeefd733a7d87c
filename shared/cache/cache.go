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

	"github.com/go-memcache-workshop/tasklist/shared/config"
)

// ErrMiss is returned by Get when the key is not in the cache.
var ErrMiss = errors.New("cache miss")

// ErrNotStored is returned by Add when the key already holds a value, and by
// CompareAndSwap when the key changed or vanished since it was read.
var ErrNotStored = errors.New("cache: not stored")

// store is one cache backend. Keys reach it with the prefix already added.
type store interface {
	get(key string) ([]byte, uint64, error) // value, CAS token; ErrMiss on a miss
	// getMulti returns the keys it found, and how many servers it asked.
	getMulti(keys []string) (map[string][]byte, int, error)
	set(key string, value []byte, ttl time.Duration) error
	add(key string, value []byte, ttl time.Duration) error // ErrNotStored if present
	cas(key string, value []byte, ttl time.Duration, token uint64) error
	delete(key string) error // a missing key is not an error
	close() error
}

// Client is what the chapters call. It is safe for concurrent use.
type Client struct {
	store  store
	prefix string
	totals *Stats

	// Kind says which backend serves the cache, for the log and the page.
	Kind string
}

// Backend kinds.
const (
	KindMemcached = "memcached"
	KindInProcess = "in-process"
)

// New builds the cache named by the configuration: memcached (with either
// MemCachier's or upstream memcached's authentication, when credentials are
// set) when servers are set, an in-process cache otherwise.
func New(cfg config.Config) (*Client, error) {
	if len(cfg.MemcachedServers) == 0 {
		slog.Warn("no MEMCACHED_SERVERS or MEMCACHIER_SERVERS: using an in-process cache; it is not shared between processes and is lost on restart")
		return newClient(newMemoryStore(), KindInProcess, cfg.CacheKeyPrefix), nil
	}
	s, err := newMemcachedStore(cfg)
	if err != nil {
		return nil, err
	}
	slog.Info("cache ready", "kind", KindMemcached, "servers", cfg.MemcachedServers,
		"memcachier_auth", cfg.MemcachierUsername != "", "memcached_auth", cfg.MemcachedUsername != "",
		"timeout", cfg.CacheTimeout)
	return newClient(s, KindMemcached, cfg.CacheKeyPrefix), nil
}

func newClient(s store, kind, prefix string) *Client {
	return &Client{store: s, prefix: prefix, totals: new(Stats), Kind: kind}
}

// Totals returns the counts since the client was built.
func (c *Client) Totals() *Stats { return c.totals }

// Close closes idle connections.
func (c *Client) Close() error { return c.store.close() }

// Get returns the value of key, or ErrMiss.
func (c *Client) Get(ctx context.Context, key string) ([]byte, error) {
	value, _, err := c.GetCAS(ctx, key)
	return value, err
}

// GetCAS is Get that also returns the token CompareAndSwap needs.
func (c *Client) GetCAS(ctx context.Context, key string) ([]byte, uint64, error) {
	value, token, err := c.store.get(c.prefix + key)
	c.record(ctx, func(s *Stats) {
		s.Gets.Add(1)
		s.RoundTrips.Add(roundTrip(err))
		switch {
		case err == nil:
			s.Hits.Add(1)
		case errors.Is(err, ErrMiss):
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

// GetMulti fetches several keys in one round trip per server and returns
// those it found, keyed without the prefix.
func (c *Client) GetMulti(ctx context.Context, keys []string) (map[string][]byte, error) {
	prefixed := make([]string, len(keys))
	for i, k := range keys {
		prefixed[i] = c.prefix + k
	}
	found, servers, err := c.store.getMulti(prefixed)
	values := make(map[string][]byte, len(found))
	for _, k := range keys {
		if v, ok := found[c.prefix+k]; ok {
			values[k] = v
		}
	}
	c.record(ctx, func(s *Stats) {
		s.Gets.Add(int64(len(keys)))
		s.RoundTrips.Add(int64(servers))
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
	err := c.store.set(c.prefix+key, value, ttl)
	c.record(ctx, func(s *Stats) {
		s.Sets.Add(1)
		s.RoundTrips.Add(roundTrip(err))
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
	err := c.store.add(c.prefix+key, value, ttl)
	c.record(ctx, func(s *Stats) {
		s.Sets.Add(1)
		s.RoundTrips.Add(roundTrip(err))
		if err != nil && !errors.Is(err, ErrNotStored) {
			s.Errors.Add(1)
		}
	})
	if err != nil && !errors.Is(err, ErrNotStored) {
		return fmt.Errorf("cache add %q: %w", key, err)
	}
	return err
}

// CompareAndSwap stores value under key only if the key still holds what
// GetCAS returned with token; otherwise it returns ErrNotStored.
func (c *Client) CompareAndSwap(ctx context.Context, key string, value []byte, ttl time.Duration, token uint64) error {
	err := c.store.cas(c.prefix+key, value, ttl, token)
	c.record(ctx, func(s *Stats) {
		s.Sets.Add(1)
		s.RoundTrips.Add(roundTrip(err))
		if err != nil && !errors.Is(err, ErrNotStored) {
			s.Errors.Add(1)
		}
	})
	if err != nil && !errors.Is(err, ErrNotStored) {
		return fmt.Errorf("cache cas %q: %w", key, err)
	}
	return err
}

// Delete removes key; a key that is not there is not an error.
func (c *Client) Delete(ctx context.Context, key string) error {
	err := c.store.delete(c.prefix + key)
	c.record(ctx, func(s *Stats) {
		s.Deletes.Add(1)
		s.RoundTrips.Add(roundTrip(err))
		if err != nil {
			s.Errors.Add(1)
		}
	})
	if err != nil {
		return fmt.Errorf("cache delete %q: %w", key, err)
	}
	return nil
}

// record counts an operation in the totals and in the request's stats.
func (c *Client) record(ctx context.Context, count func(*Stats)) {
	count(c.totals)
	if s := requestStats(ctx); s != nil {
		count(s)
	}
}

// roundTrip counts an operation as a round trip unless it never left the
// process because its server is being left out after a failure.
func roundTrip(err error) int64 {
	if errors.Is(err, errServerDown) {
		return 0
	}
	return 1
}
