package main

import (
	"context"
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
	err := c.next.Add(ctx, name)
	c.invalidate(ctx) // even after an error: the write may have committed
	return err
}

func (c *cachedTasks) Delete(ctx context.Context, id int64) error {
	err := c.next.Delete(ctx, id)
	c.invalidate(ctx)
	return err
}

// invalidate forgets the memoized list after a write, whether or not the
// write reported an error (it may have committed all the same), and even if
// the request was cancelled meanwhile. Since it bumps a version rather than
// deleting a value, a reader that queried before the write can store its
// result, but no one will ever read it. The cache client bounds it by
// CACHE_TIMEOUT and logs a failure; the stale list then lasts at most
// allTasksTTL.
func (c *cachedTasks) invalidate(ctx context.Context) {
	c.memo.forget(context.WithoutCancel(ctx), allTasksName)
}
