package cache

import (
	"errors"
	"sync"
	"time"
)

// maxValueSize is memcached's default item size limit; the in-process
// cache keeps to it so that a chapter behaves the same on both.
const maxValueSize = 1 << 20

var (
	errBadKey      = errors.New("key is not a valid memcached key (1-250 bytes, no spaces or control characters)")
	errValueTooBig = errors.New("value is larger than memcached's 1 MB item limit")
)

// memoryStore is the in-process cache used when no memcached is configured.
type memoryStore struct {
	mu    sync.RWMutex
	items map[string]memoryItem
}

type memoryItem struct {
	value   []byte
	expires time.Time // zero: never
}

func newMemoryStore() *memoryStore {
	return &memoryStore{items: make(map[string]memoryItem)}
}

func (s *memoryStore) get(key string) ([]byte, error) {
	if !validKey(key) {
		return nil, errBadKey
	}
	s.mu.RLock()
	item, ok := s.items[key]
	s.mu.RUnlock()
	if !ok || (!item.expires.IsZero() && time.Now().After(item.expires)) {
		return nil, ErrMiss
	}
	return append([]byte(nil), item.value...), nil
}

func (s *memoryStore) getMulti(keys []string) (map[string][]byte, int, error) {
	values := make(map[string][]byte, len(keys))
	for _, k := range keys {
		v, err := s.get(k)
		if errors.Is(err, ErrMiss) {
			continue
		}
		if err != nil {
			return values, 1, err
		}
		values[k] = v
	}
	return values, 1, nil
}

func (s *memoryStore) set(key string, value []byte, ttl time.Duration) error {
	return s.store(key, value, ttl, true)
}

func (s *memoryStore) add(key string, value []byte, ttl time.Duration) error {
	return s.store(key, value, ttl, false)
}

func (s *memoryStore) store(key string, value []byte, ttl time.Duration, overwrite bool) error {
	if !validKey(key) {
		return errBadKey
	}
	if len(value) > maxValueSize {
		return errValueTooBig
	}
	item := memoryItem{value: append([]byte(nil), value...)}
	if ttl > 0 {
		item.expires = time.Now().Add(ttl)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.items[key]; ok && !overwrite && (old.expires.IsZero() || time.Now().Before(old.expires)) {
		return ErrNotStored
	}
	s.items[key] = item
	return nil
}

func (s *memoryStore) delete(key string) error {
	if !validKey(key) {
		return errBadKey
	}
	s.mu.Lock()
	delete(s.items, key)
	s.mu.Unlock()
	return nil
}

func (s *memoryStore) close() error { return nil }

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
