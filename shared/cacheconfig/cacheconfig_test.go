package cacheconfig

import (
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/config"
)

// TestDefaultsAgree: config states the cache's defaults without importing
// it (for its table and its checks); they must be the cache's own.
func TestDefaultsAgree(t *testing.T) {
	if config.DefaultCacheTimeout != cache.DefaultTimeout || config.DefaultCacheRetryAfter != cache.DefaultRetryAfter ||
		config.DefaultCacheFailureLimit != cache.DefaultFailureLimit || config.DefaultCacheMemoryMB != cache.DefaultMemoryMB {
		t.Error("shared/config's cache defaults differ from shared/cache's")
	}
}

func TestOptionsCarryTheSettingsAndTheLogin(t *testing.T) {
	for _, tc := range []struct {
		env      map[string]string
		upstream bool
		login    bool
	}{
		{map[string]string{}, false, false},
		{map[string]string{"MEMCACHIER_SERVERS": "a:1", "MEMCACHIER_USERNAME": "u", "MEMCACHIER_PASSWORD": "p"}, false, true},
		{map[string]string{"MEMCACHED_SERVERS": "a:1", "MEMCACHED_USERNAME": "u", "MEMCACHED_PASSWORD": "p"}, true, true},
	} {
		cfg, err := config.Parse(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
		if err != nil {
			t.Fatal(err)
		}
		o := Options(cfg)
		if (o.Login != nil) != tc.login || o.Login != nil && (o.Login.Upstream != tc.upstream || o.Login.Username != "u") {
			t.Errorf("%v: login %+v", tc.env, o.Login)
		}
		if o.Timeout != cfg.CacheTimeout || o.FailureLimit != cfg.CacheFailureLimit || len(o.Servers) != len(cfg.MemcachedServers) {
			t.Errorf("%v: options %+v", tc.env, o)
		}
	}
}
