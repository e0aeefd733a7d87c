package cache

import (
	"errors"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/go-memcache-workshop/tasklist/shared/config"
)

// maxIdleConns per server. gomemcache keeps 2 by default, so under
// concurrent requests most operations would open (and, on MemCachier,
// authenticate) a new connection.
const maxIdleConns = 64

// maxRelativeTTL is memcached's limit for a relative expiration; larger
// values are read as a Unix time.
const maxRelativeTTL = 30 * 24 * time.Hour

type memcachedStore struct {
	client  *memcache.Client
	servers *serverPool
}

func newMemcachedStore(cfg config.Config) (*memcachedStore, error) {
	servers, err := newServerPool(cfg.MemcachedServers)
	if err != nil {
		return nil, err
	}
	client := memcache.NewFromSelector(servers)
	client.Timeout = cfg.CacheTimeout
	client.MaxIdleConns = maxIdleConns
	if dial := authDialer(cfg); dial != nil {
		client.DialContext = dial
	}
	return &memcachedStore{client: client, servers: servers}, nil
}

// watch leaves the key's server out for a while if err says its connection
// failed, and passes err on.
func (s *memcachedStore) watch(key string, err error) error {
	if connectionFailed(err) {
		if addr, pickErr := s.servers.PickServer(key); pickErr == nil {
			s.servers.markDown(addr)
		}
	}
	return err
}

func (s *memcachedStore) get(key string) ([]byte, uint64, error) {
	item, err := s.client.Get(key) // "gets": the reply carries the CAS token
	err = s.watch(key, err)
	if errors.Is(err, memcache.ErrCacheMiss) {
		return nil, 0, ErrMiss
	}
	if err != nil {
		return nil, 0, err
	}
	return item.Value, item.CasID, nil
}

// getMulti asks each server for its keys, all at once, so that a server
// that fails is known (and left out) without blaming the others.
func (s *memcachedStore) getMulti(keys []string) (map[string][]byte, int, error) {
	byServer := make(map[string][]string)
	for _, k := range keys {
		addr, err := s.servers.PickServer(k)
		if err != nil {
			return nil, 0, err
		}
		byServer[addr.String()] = append(byServer[addr.String()], k)
	}
	type result struct {
		items map[string]*memcache.Item
		err   error
	}
	results := make(chan result, len(byServer))
	for _, group := range byServer {
		go func() {
			items, err := s.client.GetMulti(group)
			results <- result{items, s.watch(group[0], err)}
		}()
	}
	values := make(map[string][]byte, len(keys))
	var firstErr error
	for range byServer {
		r := <-results
		for k, item := range r.items {
			values[k] = item.Value
		}
		if r.err != nil && firstErr == nil {
			firstErr = r.err
		}
	}
	return values, len(byServer), firstErr
}

func (s *memcachedStore) set(key string, value []byte, ttl time.Duration) error {
	return s.watch(key, s.client.Set(&memcache.Item{Key: key, Value: value, Expiration: expiration(ttl, time.Now())}))
}

func (s *memcachedStore) add(key string, value []byte, ttl time.Duration) error {
	err := s.watch(key, s.client.Add(&memcache.Item{Key: key, Value: value, Expiration: expiration(ttl, time.Now())}))
	if errors.Is(err, memcache.ErrNotStored) {
		return ErrNotStored
	}
	return err
}

func (s *memcachedStore) cas(key string, value []byte, ttl time.Duration, token uint64) error {
	err := s.watch(key, s.client.CompareAndSwap(&memcache.Item{Key: key, Value: value, Expiration: expiration(ttl, time.Now()), CasID: token}))
	if errors.Is(err, memcache.ErrCASConflict) || errors.Is(err, memcache.ErrNotStored) || errors.Is(err, memcache.ErrCacheMiss) {
		return ErrNotStored
	}
	return err
}

func (s *memcachedStore) delete(key string) error {
	err := s.watch(key, s.client.Delete(key))
	if errors.Is(err, memcache.ErrCacheMiss) {
		return nil
	}
	return err
}

func (s *memcachedStore) close() error { return s.client.Close() }

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
