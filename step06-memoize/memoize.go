package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
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
// @cache.memoize does: the key is made of the function's name, its current
// version and its argument, and forget bumps the version instead of hunting
// down every key that was ever stored.
type memoizer struct {
	cache *cache.Client
	ttl   time.Duration
	// calls lets concurrent misses on one key share a single computation.
	calls singleflight.Group
}

// validName keeps the readable part of a key short and legal in memcached.
var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// memoize returns fn with its results cached. fn's argument and result are
// stored as JSON; use struct{} for a function without arguments.
func memoize[A, R any](m *memoizer, name string, fn func(context.Context, A) (R, error)) func(context.Context, A) (R, error) {
	if !validName.MatchString(name) {
		panic(fmt.Sprintf("memoize: name %q must be 1-64 letters, digits, '_', '.' or '-'", name))
	}
	return func(ctx context.Context, arg A) (R, error) {
		key, err := m.key(ctx, name, arg)
		if err != nil {
			slog.WarnContext(ctx, "memoize: no key, calling through", "name", name, "err", err)
			return fn(ctx, arg)
		}
		// The first caller of a key looks in the cache and, on a miss,
		// computes and stores; callers that arrive meanwhile share its result.
		// The shared call must not fail because the first caller went away.
		v, err, _ := m.calls.Do(key, func() (any, error) {
			return cachedCall(context.WithoutCancel(ctx), m, key, func(ctx context.Context) (R, error) {
				return fn(ctx, arg)
			})
		})
		if err != nil {
			var zero R
			return zero, err
		}
		return v.(R), nil
	}
}

// cachedCall is cache-aside for one key: a hit is decoded, a miss (or a
// cache error) computes and stores.
func cachedCall[R any](ctx context.Context, m *memoizer, key string, compute func(context.Context) (R, error)) (R, error) {
	data, err := m.cache.Get(ctx, key)
	switch {
	case err == nil:
		var result R
		if err := json.Unmarshal(data, &result); err == nil {
			return result, nil
		}
		slog.WarnContext(ctx, "memoize: cached value unreadable, recomputing", "key", key, "err", err)
	case !errors.Is(err, cache.ErrMiss):
		slog.WarnContext(ctx, "memoize: cache unavailable, computing", "err", err)
	}

	result, err := compute(ctx)
	if err != nil {
		return result, err
	}
	data, err = json.Marshal(result)
	if err == nil {
		err = m.cache.Set(ctx, key, data, m.ttl)
	}
	if err != nil {
		slog.WarnContext(ctx, "memoize: could not cache result", "key", key, "err", err)
	}
	return result, nil
}

// key builds "memo:NAME:VERSION:HASH". The argument is hashed, so the key is
// at most 121 bytes and legal in memcached whatever the argument holds.
func (m *memoizer) key(ctx context.Context, name string, arg any) (string, error) {
	version, err := m.version(ctx, name)
	if err != nil {
		return "", err
	}
	encoded, err := json.Marshal(arg)
	if err != nil {
		return "", fmt.Errorf("encode argument: %w", err)
	}
	sum := sha256.Sum256(encoded)
	return "memo:" + name + ":" + version + ":" + hex.EncodeToString(sum[:16]), nil
}

// version returns the current version of name, creating one if the cache
// has none. Racing creators agree through memcached's add.
func (m *memoizer) version(ctx context.Context, name string) (string, error) {
	key := "memo-version:" + name
	for range 2 {
		v, err := m.cache.Get(ctx, key)
		if err == nil {
			return string(v), nil
		}
		if !errors.Is(err, cache.ErrMiss) {
			return "", err
		}
		fresh := newVersion()
		switch err := m.cache.Add(ctx, key, []byte(fresh), 0); {
		case err == nil:
			return fresh, nil
		case !errors.Is(err, cache.ErrNotStored):
			return "", err
		}
		// Someone else created it first: read theirs.
	}
	return "", errors.New("version key keeps vanishing")
}

// forget makes every cached result of name unreachable, as Flask-Caching's
// delete_memoized does: it stores a new version, so results computed before
// the call (even ones stored after it) sit under keys no one asks for again.
func (m *memoizer) forget(ctx context.Context, name string) error {
	return m.cache.Set(ctx, "memo-version:"+name, []byte(newVersion()), 0)
}

func newVersion() string {
	return rand.Text()[:16]
}
