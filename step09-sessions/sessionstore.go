package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
)

// sessionStore keeps scs sessions in memcached. scs ships stores for
// databases and Redis, but none for memcached, so this is one, written
// against scs's CtxStore interface (the context lets the page count the
// store's operations).
//
// A cache may lose a session at any moment, and that must never cost a
// page: when memcached fails, Find reports "no session" and Commit and
// Delete log the error instead of returning it (scs would answer 500).
// A flash message is lost; the page is not.
type sessionStore struct {
	cache *cache.Client
}

// key hashes the token, so that a key listing (or a memcached shared with
// other apps) never shows a token someone could present as a cookie.
func (s *sessionStore) key(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "session:" + hex.EncodeToString(sum[:])
}

// FindCtx returns the session data of token; a missing or expired session
// is "not found", never an error.
func (s *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	data, err := s.cache.Get(ctx, s.key(token))
	switch {
	case err == nil:
		return data, true, nil
	case errors.Is(err, cache.ErrMiss):
		return nil, false, nil
	default:
		slog.WarnContext(ctx, "session store unavailable: treating the session as new", "err", err)
		return nil, false, nil
	}
}

// CommitCtx stores the session until expiry. memcached reads expirations
// over 30 days as Unix times; the cache client converts long TTLs for us.
func (s *sessionStore) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	ttl := time.Until(expiry)
	if ttl <= 0 {
		return s.DeleteCtx(ctx, token)
	}
	if err := s.cache.Set(ctx, s.key(token), data, ttl); err != nil {
		slog.WarnContext(ctx, "session store unavailable: session not saved", "err", err)
	}
	return nil
}

// DeleteCtx removes the session; a missing one is not an error.
func (s *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	if err := s.cache.Delete(ctx, s.key(token)); err != nil {
		slog.WarnContext(ctx, "session store unavailable: session not deleted", "err", err)
	}
	return nil
}

// The context-free methods complete scs.Store; scs calls the Ctx ones.

func (s *sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *sessionStore) Commit(token string, data []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, data, expiry)
}

func (s *sessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}
