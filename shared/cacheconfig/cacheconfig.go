// Package cacheconfig fills the cache client's options from the app's
// configuration: the one place that knows both, so that shared/cache needs
// no configuration and shared/config no cache.
package cacheconfig

import (
	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/config"
)

// Options returns the cache client's options as cfg sets them, with the
// login its credentials name, if any.
func Options(cfg config.Config) cache.Options {
	o := cache.Options{Servers: cfg.MemcachedServers, KeyPrefix: cfg.CacheKeyPrefix, Timeout: cfg.CacheTimeout,
		RetryAfter: cfg.CacheRetryAfter, FailureLimit: cfg.CacheFailureLimit, MemoryMB: cfg.CacheMemoryMB}
	switch {
	case cfg.MemcachierUsername != "":
		o.Login = &cache.Login{Username: cfg.MemcachierUsername, Password: cfg.MemcachierPassword,
			Hint: "MEMCACHIER_USERNAME and MEMCACHIER_PASSWORD"}
	case cfg.MemcachedUsername != "":
		o.Login = &cache.Login{Username: cfg.MemcachedUsername, Password: cfg.MemcachedPassword, Upstream: true,
			Hint: "MEMCACHED_USERNAME and MEMCACHED_PASSWORD"}
	}
	return o
}
