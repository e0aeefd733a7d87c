package cache

import (
	"context"
	"errors"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
)

// maxConns bounds the connections to each server, and as many are kept
// idle for reuse (gomemcache keeps 2 by default, so under concurrent requests
// most operations would open, and on MemCachier authenticate, a new one). A
// burst of requests queues for these rather than opening more: memcached
// answers in microseconds, so 64 keep up with far more requests than this
// process can render, and stay well below memcached's own limit (-c, 1024 by
// default), which a fleet of app processes shares.
const maxConns = 64

// maxRelativeTTL is memcached's limit for a relative expiration; larger
// values are read as a Unix time.
const maxRelativeTTL = 30 * 24 * time.Hour

type memcachedStore struct {
	servers *serverPool
}

// newMemcachedStore builds the store for o, whose defaults are filled in.
func newMemcachedStore(o Options) (*memcachedStore, error) {
	servers, err := newServerPool(o.Servers, o.RetryAfter, o.FailureLimit, maxConns, func(one memcache.ServerSelector) *memcache.Client {
		client := memcache.NewFromSelector(one)
		client.Timeout = o.Timeout
		client.MaxIdleConns = maxConns
		if o.Login != nil {
			client.DialContext = o.Login.dialer()
		}
		return client
	})
	if err != nil {
		return nil, err
	}
	return &memcachedStore{servers: servers}, nil
}

// on runs op against the server that key belongs to, on one of its
// connections, and tells the pool how it went. The failure is blamed on
// that server, the one op used, even if the pool has picked differently
// for key since.
func (s *memcachedStore) on(ctx context.Context, key string, op func(*memcache.Client) error) error {
	srv, probe, err := s.servers.pick(key)
	if err != nil {
		return err
	}
	if err := srv.acquire(ctx, probe); err != nil {
		return err
	}
	defer srv.release()
	began := time.Now()
	err = op(srv.client)
	s.servers.done(srv, probe, began, err)
	return err
}

func (s *memcachedStore) get(ctx context.Context, key string) ([]byte, uint64, error) {
	var item *memcache.Item
	err := s.on(ctx, key, func(c *memcache.Client) (err error) {
		item, err = c.Get(key) // "gets": the reply carries the CAS token
		return err
	})
	if errors.Is(err, memcache.ErrCacheMiss) {
		return nil, 0, ErrMiss
	}
	if err != nil {
		return nil, 0, err
	}
	return item.Value, item.CasID, nil
}

// getMulti asks each server for its keys, all servers at once, and blames
// a failure on the server whose request failed, never on the others.
func (s *memcachedStore) getMulti(ctx context.Context, keys []string) (map[string][]byte, int, error) {
	type group struct {
		probe bool
		keys  []string
	}
	groups := make(map[*server]*group)
	for _, k := range keys {
		srv, probe, err := s.servers.pick(k)
		if err != nil {
			return nil, 0, err
		}
		g := groups[srv]
		if g == nil {
			g = &group{}
			groups[srv] = g
		}
		// A server being tried again is tried by the first key that
		// picked it; the group's other keys ride along with that try.
		g.probe = g.probe || probe
		g.keys = append(g.keys, k)
	}
	type result struct {
		items map[string]*memcache.Item
		err   error
	}
	results := make(chan result, len(groups))
	for srv, g := range groups {
		go func() {
			if err := srv.acquire(ctx, g.probe); err != nil {
				results <- result{nil, err}
				return
			}
			defer srv.release()
			began := time.Now()
			items, err := srv.client.GetMulti(g.keys)
			s.servers.done(srv, g.probe, began, err)
			results <- result{items, err}
		}()
	}
	values := make(map[string][]byte, len(keys))
	var firstErr error
	for range groups {
		r := <-results
		for k, item := range r.items {
			values[k] = item.Value
		}
		if r.err != nil && firstErr == nil {
			firstErr = r.err
		}
	}
	return values, len(groups), firstErr
}

func (s *memcachedStore) set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	item := &memcache.Item{Key: key, Value: value, Expiration: expiration(ttl, time.Now())}
	return s.on(ctx, key, func(c *memcache.Client) error { return c.Set(item) })
}

func (s *memcachedStore) add(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	item := &memcache.Item{Key: key, Value: value, Expiration: expiration(ttl, time.Now())}
	err := s.on(ctx, key, func(c *memcache.Client) error { return c.Add(item) })
	if errors.Is(err, memcache.ErrNotStored) {
		return ErrNotStored
	}
	return err
}

func (s *memcachedStore) cas(ctx context.Context, key string, value []byte, ttl time.Duration, token uint64) error {
	item := &memcache.Item{Key: key, Value: value, Expiration: expiration(ttl, time.Now()), CasID: token}
	err := s.on(ctx, key, func(c *memcache.Client) error { return c.CompareAndSwap(item) })
	if errors.Is(err, memcache.ErrCASConflict) || errors.Is(err, memcache.ErrNotStored) || errors.Is(err, memcache.ErrCacheMiss) {
		return ErrNotStored
	}
	return err
}

func (s *memcachedStore) delete(ctx context.Context, key string) error {
	err := s.on(ctx, key, func(c *memcache.Client) error { return c.Delete(key) })
	if errors.Is(err, memcache.ErrCacheMiss) {
		return nil
	}
	return err
}

func (s *memcachedStore) close() error { return s.servers.close() }

// expiration turns a TTL into memcached's expiration field: seconds from
// now up to 30 days, a Unix time beyond, 0 for "never".
func expiration(ttl time.Duration, now time.Time) int32 {
	switch {
	case ttl <= 0:
		return 0
	case ttl > maxRelativeTTL:
		return int32(now.Add(ttl).Unix())
	case ttl < time.Second:
		return 1
	default:
		return int32(ttl / time.Second)
	}
}
