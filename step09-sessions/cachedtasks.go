package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
)

// allTasksName names the memoized query in its cache keys.
const allTasksName = "tasks.All"

// allTasksTTL bounds how long a cached list may be served, as Flask-Caching's
// default timeout does.
const allTasksTTL = 5 * time.Minute

// cachedTasks puts a cache in front of another taskStore: All is memoized,
// and Add and Delete forget it after writing, so that the next All reads
// the database again.
type cachedTasks struct {
	next taskStore
	memo *memoizer
	all  func(context.Context, struct{}) ([]Task, error)
}

func newCachedTasks(next taskStore, c *cache.Client) *cachedTasks {
	m := &memoizer{cache: c, ttl: allTasksTTL}
	return &cachedTasks{
		next: next,
		memo: m,
		all: memoize(m, allTasksName, func(ctx context.Context, _ struct{}) ([]Task, error) {
			return next.All(ctx)
		}),
	}
}

func (c *cachedTasks) All(ctx context.Context) ([]Task, error) {
	return c.all(ctx, struct{}{})
}

func (c *cachedTasks) Add(ctx context.Context, name string) error {
	if err := c.next.Add(ctx, name); err != nil {
		return err
	}
	c.invalidate(ctx)
	return nil
}

func (c *cachedTasks) Delete(ctx context.Context, id int64) error {
	if err := c.next.Delete(ctx, id); err != nil {
		return err
	}
	c.invalidate(ctx)
	return nil
}

// invalidate forgets the memoized list after a write. It runs after the
// write has succeeded; since it bumps a version rather than deleting a
// value, a reader that queried before the write can store its result, but
// no one will ever read it. If it fails, the stale list lasts at most
// allTasksTTL.
func (c *cachedTasks) invalidate(ctx context.Context) {
	if err := c.memo.forget(ctx, allTasksName); err != nil {
		slog.WarnContext(ctx, "could not invalidate the cached task list", "err", err)
	}
}
