package cache

import (
	"errors"
	"sync"
	"time"
)

// maxValueSize is memcached's default item size limit; the in-process
// cache keeps to it so that a chapter behaves the same on both.
const maxValueSize = 1 << 20

var errValueTooBig = errors.New("value is larger than memcached's 1 MB item limit")

// memoryStore is the in-process cache used when no memcached is configured.
type memoryStore struct {
	mu     sync.RWMutex
	items  map[string]memoryItem
	tokens uint64 // the last CAS token handed out
}

type memoryItem struct {
	value   []byte
	expires time.Time // zero: never
	token   uint64    // changes on every store, like memcached's CAS value
}

func (i memoryItem) live() bool {
	return i.expires.IsZero() || time.Now().Before(i.expires)
}

func newMemoryStore() *memoryStore {
	return &memoryStore{items: make(map[string]memoryItem)}
}

// Keys reach the store already checked by Client.

func (s *memoryStore) get(key string) ([]byte, uint64, error) {
	s.mu.RLock()
	item, ok := s.items[key]
	s.mu.RUnlock()
	if !ok || !item.live() {
		return nil, 0, ErrMiss
	}
	return append([]byte(nil), item.value...), item.token, nil
}

func (s *memoryStore) getMulti(keys []string) (map[string][]byte, int, error) {
	values := make(map[string][]byte, len(keys))
	for _, k := range keys {
		if v, _, err := s.get(k); err == nil { // a miss is its only error
			values[k] = v
		}
	}
	return values, 1, nil
}

func (s *memoryStore) set(key string, value []byte, ttl time.Duration) error {
	return s.store(key, value, ttl, func(memoryItem, bool) bool { return true })
}

func (s *memoryStore) add(key string, value []byte, ttl time.Duration) error {
	return s.store(key, value, ttl, func(_ memoryItem, exists bool) bool { return !exists })
}

func (s *memoryStore) cas(key string, value []byte, ttl time.Duration, token uint64) error {
	return s.store(key, value, ttl, func(old memoryItem, exists bool) bool { return exists && old.token == token })
}

// store writes the item if allowed(current item, whether it exists) says so.
func (s *memoryStore) store(key string, value []byte, ttl time.Duration, allowed func(memoryItem, bool) bool) error {
	if len(value) > maxValueSize {
		return errValueTooBig
	}
	item := memoryItem{value: append([]byte(nil), value...)}
	if ttl > 0 {
		item.expires = time.Now().Add(ttl)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.items[key]
	if !allowed(old, ok && old.live()) {
		return ErrNotStored
	}
	s.tokens++
	item.token = s.tokens
	s.items[key] = item
	return nil
}

func (s *memoryStore) delete(key string) error {
	s.mu.Lock()
	delete(s.items, key)
	s.mu.Unlock()
	return nil
}

func (s *memoryStore) close() error { return nil }
