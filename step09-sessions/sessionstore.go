package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
// Delete report success (scs would answer 500 to an error; the cache
// client logs the failure). A flash message is lost; the page is not.
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
	if err != nil {
		// A miss, or the cache failed: either way, a new session.
		return nil, false, nil
	}
	return data, true, nil
}

// CommitCtx stores the session until expiry. memcached reads expirations
// over 30 days as Unix times; the cache client converts long TTLs for us.
func (s *sessionStore) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	ttl := time.Until(expiry)
	if ttl <= 0 {
		return s.DeleteCtx(ctx, token)
	}
	// If the set fails, the session is lost, and with it a flash.
	s.cache.Set(ctx, s.key(token), data, ttl)
	return nil
}

// DeleteCtx removes the session; a missing one is not an error.
func (s *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	// If the delete fails, the entry stays until its TTL ends.
	s.cache.Delete(ctx, s.key(token))
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
