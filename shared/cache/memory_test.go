package cache

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// These tests use the in-process store directly, with bounds of a few
// kilobytes: no memcached, no Docker.

// fill stores n values of size bytes under key0, key1, …
func fill(t *testing.T, s *memoryStore, from, to, size int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := s.set(t.Context(), fmt.Sprint("key", i), bytes.Repeat([]byte{'v'}, size), 0); err != nil {
			t.Fatalf("set key%d: %v", i, err)
		}
	}
}

// present lists which of key<from>…key<to-1> a get still finds, and the
// bytes they count for. A get is a use, so call it only to check the end.
func present(t *testing.T, s *memoryStore, from, to int) (found []int, bytes int64) {
	t.Helper()
	for i := from; i < to; i++ {
		key := fmt.Sprint("key", i)
		if v, _, err := s.get(t.Context(), key); err == nil {
			found = append(found, i)
			bytes += entrySize(key, v)
		}
	}
	return found, bytes
}

func TestMemoryStoreStaysUnderItsBound(t *testing.T) {
	const bound = 20_000
	s := newMemoryStore(bound)
	fill(t, s, 0, 200, 1000) // about ten times the bound

	entries, used := s.usage()
	if used > bound {
		t.Errorf("the store counts %d bytes in %d entries, over its bound of %d", used, entries, bound)
	}
	found, bytes := present(t, s, 0, 200)
	if bytes > bound {
		t.Errorf("%d keys still found, %d bytes, over the bound of %d", len(found), bytes, bound)
	}
	if bytes != used {
		t.Errorf("the keys found count for %d bytes, the store says %d", bytes, used)
	}
	// It evicts no more than it must: the newest keys fill the bound.
	if per := entrySize("key199", make([]byte, 1000)); used < bound-per {
		t.Errorf("only %d bytes used of %d: evicted more than needed", used, bound)
	}
	if len(found) == 0 || found[len(found)-1] != 199 {
		t.Errorf("the last key stored is gone; found %v", found)
	}
}

func TestMemoryStoreEvictsLeastRecentlyUsedFirst(t *testing.T) {
	const size = 100
	per := entrySize("key10", make([]byte, size)) // every key here has 5 bytes
	s := newMemoryStore(10 * per)                 // room for exactly ten
	fill(t, s, 10, 20, size)

	// Use three of the oldest keys, each in a different way.
	ctx := t.Context()
	if _, _, err := s.get(ctx, "key10"); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.getMulti(ctx, []string{"key11", "key99"}); len(got) != 1 {
		t.Fatalf("getMulti found %d keys, want 1", len(got))
	}
	if err := s.set(ctx, "key12", bytes.Repeat([]byte{'w'}, size), 0); err != nil {
		t.Fatal(err)
	}

	fill(t, s, 20, 27, size) // seven more: seven must go
	found, _ := present(t, s, 10, 27)
	want := []int{10, 11, 12, 20, 21, 22, 23, 24, 25, 26}
	if fmt.Sprint(found) != fmt.Sprint(want) {
		t.Errorf("keys left: %v, want %v (the used ones and the newest)", found, want)
	}
}

func TestMemoryStoreRefusesWhatCannotFit(t *testing.T) {
	const bound = 5000
	s := newMemoryStore(bound)
	fill(t, s, 0, 3, 1000)
	ctx := t.Context()
	for _, size := range []int{bound, maxValueSize + 1} {
		err := s.set(ctx, "big", make([]byte, size), 0)
		if !errors.Is(err, errValueTooBig) && !errors.Is(err, errOverBound) {
			t.Errorf("set of %d bytes with a bound of %d: %v, want errOverBound or errValueTooBig", size, bound, err)
		}
	}
	if found, _ := present(t, s, 0, 3); len(found) != 3 {
		t.Errorf("a refused value evicted entries: left %v", found)
	}
}

func TestMemoryStoreReplacingCountsOnce(t *testing.T) {
	s := newMemoryStore(1 << 20)
	ctx := t.Context()
	for _, size := range []int{100, 300, 200} {
		if err := s.set(ctx, "k", make([]byte, size), 0); err != nil {
			t.Fatal(err)
		}
	}
	_, token, err := s.get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cas(ctx, "k", make([]byte, 50), 0, token); err != nil {
		t.Fatal(err)
	}
	if err := s.add(ctx, "k", make([]byte, 500), 0); !errors.Is(err, ErrNotStored) {
		t.Fatalf("add over a live key: %v", err)
	}
	entries, used := s.usage()
	if want := entrySize("k", make([]byte, 50)); entries != 1 || used != want {
		t.Errorf("usage() = %d entries, %d bytes; want 1, %d", entries, used, want)
	}
	s.delete(ctx, "k")
	if entries, used := s.usage(); entries != 0 || used != 0 {
		t.Errorf("after delete: %d entries, %d bytes", entries, used)
	}
}

func TestMemoryStoreDropsExpiredEntries(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := newMemoryStore(1 << 20)
	s.now = func() time.Time { return now }
	ctx := t.Context()
	s.set(ctx, "short", []byte("v"), time.Minute)
	s.set(ctx, "long", []byte("v"), time.Hour)

	now = now.Add(2 * time.Minute)
	if _, _, err := s.get(ctx, "short"); !errors.Is(err, ErrMiss) {
		t.Fatalf("get of an expired key: %v", err)
	}
	if entries, used := s.usage(); entries != 1 || used != entrySize("long", []byte("v")) {
		t.Errorf("the expired entry was not dropped: %d entries, %d bytes", entries, used)
	}
	// An expired key may be added again.
	if err := s.add(ctx, "short", []byte("w"), 0); err != nil {
		t.Errorf("add over an expired key: %v", err)
	}
}

func TestMemoryStoreValuesAreCopies(t *testing.T) {
	s := newMemoryStore(1 << 20)
	ctx := t.Context()
	v := []byte("abc")
	s.set(ctx, "k", v, 0)
	v[0] = 'x'
	got, _, _ := s.get(ctx, "k")
	got[1] = 'y'
	if again, _, _ := s.get(ctx, "k"); string(again) != "abc" {
		t.Errorf("stored value changed to %q through a caller's slice", again)
	}
}

func TestMemoryStoreBoundHoldsUnderConcurrentUse(t *testing.T) {
	const bound = 50_000
	s := newMemoryStore(bound)
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				key := fmt.Sprint("key", (g*7+i)%300)
				switch i % 4 {
				case 0, 1:
					s.set(ctx, key, make([]byte, 100+(g*i)%900), 0)
				case 2:
					s.get(ctx, key)
				case 3:
					if i%12 == 3 {
						s.delete(ctx, key)
					} else {
						s.getMulti(ctx, []string{key, "key0", "key1"})
					}
				}
			}
		}()
	}
	wg.Wait()

	entries, used := s.usage()
	if used > bound {
		t.Errorf("the store counts %d bytes in %d entries, over its bound of %d", used, entries, bound)
	}
	found, bytes := present(t, s, 0, 300)
	if len(found) != entries || bytes != used {
		t.Errorf("gets find %d keys, %d bytes; the store counts %d entries, %d bytes", len(found), bytes, entries, used)
	}
}
