package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
)

// memoizer caches the results of functions, as Flask-Caching's
// @cache.memoize does. Each function name has a version in the cache, and
// each cached result records the version it was computed under; forget
// bumps the version, so every older result stops counting at once.
type memoizer struct {
	cache *cache.Client
	ttl   time.Duration
	// calls lets concurrent callers of one key share a single computation.
	calls singleflight.Group
}

// sharedCallTimeout bounds a shared computation: no caller's context ends it.
const sharedCallTimeout = 10 * time.Second

// memoEntry is what the cache holds for one call, encoded with gob as in
// chapter 04: the result, and the version of the function it was computed
// under.
type memoEntry[R any] struct {
	Version string
	Result  R
}

// validName keeps the readable part of a key short and legal in memcached.
var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// memoize returns fn with its results cached. fn's argument is hashed into
// the key; use struct{} for a function without arguments.
func memoize[A, R any](m *memoizer, name string, fn func(context.Context, A) (R, error)) func(context.Context, A) (R, error) {
	if !validName.MatchString(name) {
		panic(fmt.Sprintf("memoize: name %q must be 1-64 letters, digits, '_', '.' or '-'", name))
	}
	return func(ctx context.Context, arg A) (R, error) {
		key, err := resultKey(name, arg)
		if err != nil {
			slog.WarnContext(ctx, "memoize: no key, calling through", "name", name, "err", err)
			return fn(ctx, arg)
		}
		// One round trip reads both the current version and the result.
		found, err := m.cache.GetMulti(ctx, []string{versionKey(name), key})
		version, ok := found[versionKey(name)]
		if err == nil && !ok {
			version, err = m.newVersion(ctx, name)
		}
		if err != nil {
			// The cache failed (its client logs that): nothing to read or
			// store, but callers still share one call, so that an outage
			// does not send every one of them to the database.
			return share(ctx, &m.calls, key+"@uncached", func(ctx context.Context) (R, error) {
				return fn(ctx, arg)
			})
		}
		var entry memoEntry[R]
		if data, ok := found[key]; ok && gob.NewDecoder(bytes.NewReader(data)).Decode(&entry) == nil {
			if entry.Version == string(version) {
				return entry.Result, nil
			}
			cache.Stale(ctx, key) // a hit to memcached, a miss to us: say so in the trace
		}

		// A miss, or a result from before the last forget. The first caller
		// computes and stores; callers that arrive meanwhile with the same
		// version share its result.
		return share(ctx, &m.calls, key+"@"+string(version), func(ctx context.Context) (R, error) {
			result, err := fn(ctx, arg)
			if err == nil {
				storeEntry(ctx, m, key, memoEntry[R]{Version: string(version), Result: result})
			}
			return result, err
		})
	}
}

// storeEntry caches a computed result. If that fails, the next caller
// computes again.
func storeEntry[R any](ctx context.Context, m *memoizer, key string, entry memoEntry[R]) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(entry); err != nil {
		slog.WarnContext(ctx, "memoize: cannot encode the result", "key", key, "err", err)
		return
	}
	m.cache.Set(ctx, key, buf.Bytes(), m.ttl)
}

// share runs call once for all the callers that ask for key while it runs,
// and gives each its result. A caller stops waiting as soon as its own
// context ends; the call goes on for the others, so it runs without the
// first caller's cancellation, within sharedCallTimeout.
func share[R any](ctx context.Context, calls *singleflight.Group, key string, call func(context.Context) (R, error)) (R, error) {
	done := calls.DoChan(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedCallTimeout)
		defer cancel()
		return call(ctx)
	})
	select {
	case r := <-done:
		result, _ := r.Val.(R)
		return result, r.Err
	case <-ctx.Done():
		var zero R
		return zero, ctx.Err()
	}
}

// resultKey builds "memo:NAME:HASH". The argument is hashed, so the key is at
// most 102 bytes and legal in memcached whatever the argument holds.
func resultKey(name string, arg any) (string, error) {
	encoded, err := json.Marshal(arg)
	if err != nil {
		return "", fmt.Errorf("encode argument: %w", err)
	}
	sum := sha256.Sum256(encoded)
	return "memo:" + name + ":" + hex.EncodeToString(sum[:16]), nil
}

func versionKey(name string) string { return "memo-version:" + name }

// newVersion creates the version of name when the cache has none (first
// use, or evicted). Racing creators agree through memcached's add.
func (m *memoizer) newVersion(ctx context.Context, name string) ([]byte, error) {
	fresh := []byte(randomVersion())
	err := m.cache.Add(ctx, versionKey(name), fresh, 0)
	if errors.Is(err, cache.ErrNotStored) {
		return m.cache.Get(ctx, versionKey(name)) // someone else's, created first
	}
	return fresh, err
}

// forget makes every cached result of name stale, as Flask-Caching's
// delete_memoized does: it stores a new version, so results computed
// before the call (even ones stored after it) no longer match.
func (m *memoizer) forget(ctx context.Context, name string) error {
	return m.cache.Set(ctx, versionKey(name), []byte(randomVersion()), 0)
}

func randomVersion() string {
	return rand.Text()[:16]
}
