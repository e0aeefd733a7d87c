package main

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"log/slog"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
)

// allTasksKey is where the task list lives in the cache (after
// CACHE_KEY_PREFIX), the key the original tutorial uses.
const allTasksKey = "all_tasks"

// allTasksTTL bounds how long a cached list may be served, as Flask-Caching's
// default timeout does.
const allTasksTTL = 5 * time.Minute

// cachedTasks puts a cache in front of another taskStore: All looks in the
// cache first and, on a miss, asks next and stores the answer (cache-aside).
// Add and Delete go straight to next, and nothing tells the cache about them:
// this chapter's list goes stale, on purpose.
//
// The list is stored with encoding/gob, Go's counterpart of the pickle the
// original stores: every hit decodes it, and gob decodes 200 tasks about
// four times as fast as encoding/json (BenchmarkDecodeTaskList).
type cachedTasks struct {
	next  taskStore
	cache *cache.Client
}

func (c *cachedTasks) All(ctx context.Context) ([]Task, error) {
	data, err := c.cache.Get(ctx, allTasksKey)
	switch {
	case err == nil:
		var tasks []Task
		if err = gob.NewDecoder(bytes.NewReader(data)).Decode(&tasks); err == nil {
			return tasks, nil
		}
		slog.WarnContext(ctx, "cached task list unreadable, reading the database", "err", err)
	case !errors.Is(err, cache.ErrMiss):
		// The cache is down or slow (the client logs cache failures): the
		// page is served from the database.
	}

	tasks, err := c.next.All(ctx)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(tasks); err == nil {
		// Should the set fail, the next page reads the database again.
		c.cache.Set(ctx, allTasksKey, buf.Bytes(), allTasksTTL)
	}
	return tasks, nil
}

func (c *cachedTasks) Add(ctx context.Context, name string) error {
	return c.next.Add(ctx, name)
}

func (c *cachedTasks) Delete(ctx context.Context, id int64) error {
	return c.next.Delete(ctx, id)
}
