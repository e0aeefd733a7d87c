package cache

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// maxValueSize is memcached's default item size limit; the in-process
// cache keeps to it so that a chapter behaves the same on both.
const maxValueSize = 1 << 20

var (
	errValueTooBig = errors.New("value is larger than memcached's 1 MB item limit")
	errOverBound   = errors.New("value is larger than the whole in-process cache (CACHE_MEMORY_MB)")
)

// entryOverhead is what an entry costs beyond its key and value: about what
// Go spends on its map slot, list element and memoryItem (measured on 64-bit
// Go). It keeps many tiny entries from passing for free, as memcached's item
// header does.
const entryOverhead = 150

// entrySize is how many bytes an entry counts for against the bound.
func entrySize(key string, value []byte) int64 {
	return int64(len(key) + len(value) + entryOverhead)
}

// memoryStore is the in-process cache used when no memcached is configured.
// Like memcached started with -m, it holds at most maxBytes (CACHE_MEMORY_MB):
// to make room, it evicts the least recently used entries first. Entries sit
// in a list, most recently used at the front; every get or store of a key
// moves it there, so the one at the back is the next to go.
type memoryStore struct {
	// mu guards the rest. It is not an RWMutex: a get moves its entry in
	// the list, so it writes too.
	mu       sync.Mutex
	items    map[string]*list.Element // key → its element in lru
	lru      *list.List               // of *memoryItem, most recently used first
	used     int64                    // the entrySize of every entry, summed
	maxBytes int64
	tokens   uint64           // the last CAS token handed out
	now      func() time.Time // time.Now; tests move it on
}

type memoryItem struct {
	key     string
	value   []byte
	expires time.Time // zero: never
	token   uint64    // changes on every store, like memcached's CAS value
}

func (i *memoryItem) live(now time.Time) bool {
	return i.expires.IsZero() || now.Before(i.expires)
}

// newMemoryStore returns a store of at most maxBytes.
func newMemoryStore(maxBytes int64) *memoryStore {
	return &memoryStore{items: make(map[string]*list.Element), lru: list.New(), maxBytes: maxBytes, now: time.Now}
}

// Keys reach the store already checked by Client.

func (s *memoryStore) get(_ context.Context, key string) ([]byte, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	item := s.lookup(key)
	if item == nil {
		return nil, 0, ErrMiss
	}
	return append([]byte(nil), item.value...), item.token, nil
}

func (s *memoryStore) getMulti(ctx context.Context, keys []string) (map[string][]byte, int, error) {
	values := make(map[string][]byte, len(keys))
	for _, k := range keys {
		if v, _, err := s.get(ctx, k); err == nil { // a miss is its only error
			values[k] = v
		}
	}
	return values, 1, nil
}

// lookup returns the live item under key, marked as just used, or nil. An
// expired item it finds is dropped. s.mu must be held.
func (s *memoryStore) lookup(key string) *memoryItem {
	e, ok := s.items[key]
	if !ok {
		return nil
	}
	item := e.Value.(*memoryItem)
	if !item.live(s.now()) {
		s.remove(e)
		return nil
	}
	s.lru.MoveToFront(e)
	return item
}

func (s *memoryStore) set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	return s.store(key, value, ttl, func(*memoryItem) bool { return true })
}

func (s *memoryStore) add(_ context.Context, key string, value []byte, ttl time.Duration) error {
	return s.store(key, value, ttl, func(old *memoryItem) bool { return old == nil })
}

func (s *memoryStore) cas(_ context.Context, key string, value []byte, ttl time.Duration, token uint64) error {
	return s.store(key, value, ttl, func(old *memoryItem) bool { return old != nil && old.token == token })
}

// store writes the item if allowed(the live item under key, or nil) says so,
// evicting the least recently used entries until it fits. Like memcached, it
// counts as a use of the key even when not allowed (an add of a key that is
// there, a cas with a stale token).
func (s *memoryStore) store(key string, value []byte, ttl time.Duration, allowed func(*memoryItem) bool) error {
	if len(value) > maxValueSize {
		return errValueTooBig
	}
	size := entrySize(key, value)
	if size > s.maxBytes {
		return errOverBound
	}
	item := &memoryItem{key: key, value: append([]byte(nil), value...)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !allowed(s.lookup(key)) {
		return ErrNotStored
	}
	if ttl > 0 {
		item.expires = s.now().Add(ttl)
	}
	s.tokens++
	item.token = s.tokens
	if e, ok := s.items[key]; ok {
		s.remove(e)
	}
	for s.used+size > s.maxBytes {
		s.remove(s.lru.Back())
	}
	s.items[key] = s.lru.PushFront(item)
	s.used += size
	return nil
}

// remove takes an entry out of the list, the map and the count. s.mu must
// be held.
func (s *memoryStore) remove(e *list.Element) {
	item := s.lru.Remove(e).(*memoryItem)
	delete(s.items, item.key)
	s.used -= entrySize(item.key, item.value)
}

func (s *memoryStore) delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[key]; ok {
		s.remove(e)
	}
	return nil
}

// usage returns how many entries the store holds, and the bytes they count
// for against its bound (expired entries not yet dropped included).
func (s *memoryStore) usage() (entries int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lru.Len(), s.used
}

func (s *memoryStore) close() error { return nil }
