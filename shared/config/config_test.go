package config

import (
	"strings"
	"testing"
	"time"
)

func lookupFrom(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse(lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != DefaultDatabaseURL || c.MemcachedServers != nil ||
		c.CacheTimeout != DefaultCacheTimeout || c.CacheRetryAfter != DefaultCacheRetryAfter || c.TasksQueryDelay != 0 || c.CacheKeyPrefix != "" ||
		c.CacheMemoryMB != DefaultCacheMemoryMB {
		t.Errorf("defaults: got %+v", c)
	}
}

func TestDatabaseURLFallsBackToTheAddOnsVariables(t *testing.T) {
	jaws, clear := "mysql://u:p@jaws/db", "mysql://u:p@cleardb/heroku_abc?reconnect=true"
	for _, tc := range []struct {
		env           map[string]string
		url, variable string
	}{
		{map[string]string{"JAWSDB_URL": jaws, "CLEARDB_DATABASE_URL": clear}, jaws, "JAWSDB_URL"},
		{map[string]string{"CLEARDB_DATABASE_URL": clear}, clear, "CLEARDB_DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "sqlite:x.db", "JAWSDB_URL": jaws}, "sqlite:x.db", "DATABASE_URL"},
		{nil, DefaultDatabaseURL, "DATABASE_URL"},
	} {
		c, err := Parse(lookupFrom(tc.env))
		if err != nil || c.DatabaseURL != tc.url || c.DatabaseURLVar != tc.variable {
			t.Errorf("%v: got %q from %s (%v), want %q from %s", tc.env, c.DatabaseURL, c.DatabaseURLVar, err, tc.url, tc.variable)
		}
	}
}

func TestParseValues(t *testing.T) {
	c, err := Parse(lookupFrom(map[string]string{
		"PORT":                "5000",
		"DATABASE_URL":        "mysql://u:p@db:3307/tasks",
		"MEMCACHED_SERVERS":   " a:11211 , b:11212 ",
		"CACHE_KEY_PREFIX":    "app1:",
		"CACHE_TIMEOUT":       "1s",
		"CACHE_RETRY_AFTER":   "300ms",
		"CACHE_FAILURE_LIMIT": "5",
		"CACHE_MEMORY_MB":     "16",
		"TASKS_QUERY_DELAY":   "20ms",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":5000" {
		t.Errorf("Addr = %q, want :5000 from PORT", c.Addr)
	}
	if strings.Join(c.MemcachedServers, ",") != "a:11211,b:11212" {
		t.Errorf("MemcachedServers = %q", c.MemcachedServers)
	}
	if c.CacheKeyPrefix != "app1:" || c.CacheTimeout != time.Second || c.CacheRetryAfter != 300*time.Millisecond ||
		c.CacheFailureLimit != 5 || c.CacheMemoryMB != 16 || c.TasksQueryDelay != 20*time.Millisecond {
		t.Errorf("got %+v", c)
	}
}

func TestParseAddrWinsOverPort(t *testing.T) {
	c, err := Parse(lookupFrom(map[string]string{"ADDR": "127.0.0.1:9000", "PORT": "5000"}))
	if err != nil || c.Addr != "127.0.0.1:9000" {
		t.Fatalf("got %q, %v", c.Addr, err)
	}
}

func TestParseMemCachier(t *testing.T) {
	c, err := Parse(lookupFrom(map[string]string{
		"MEMCACHIER_SERVERS":  "mc1.example:11211",
		"MEMCACHIER_USERNAME": "user",
		"MEMCACHIER_PASSWORD": "pass",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.MemcachedServers) != 1 || c.MemcachierUsername != "user" || c.MemcachierPassword != "pass" {
		t.Errorf("got %+v", c)
	}
}

func TestParseMemcachedAuth(t *testing.T) {
	c, err := Parse(lookupFrom(map[string]string{
		"MEMCACHED_SERVERS":  "mc1.example:11211",
		"MEMCACHED_USERNAME": "user",
		"MEMCACHED_PASSWORD": "pass word",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MemcachedUsername != "user" || c.MemcachedPassword != "pass word" || c.MemcachierUsername != "" {
		t.Errorf("got %+v", c)
	}
}

func TestParseErrorsNameTheVariable(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ADDR": "8080"}, "ADDR:"},
		{map[string]string{"PORT": "http"}, "PORT:"},
		{map[string]string{"MEMCACHED_SERVERS": "localhost"}, "MEMCACHED_SERVERS:"},
		{map[string]string{"MEMCACHIER_SERVERS": "a:1,b"}, "MEMCACHIER_SERVERS:"},
		{map[string]string{"MEMCACHIER_USERNAME": "u"}, "MEMCACHIER_PASSWORD:"},
		{map[string]string{"MEMCACHED_USERNAME": "u"}, "MEMCACHED_PASSWORD:"},
		{map[string]string{"MEMCACHED_PASSWORD": "p"}, "MEMCACHED_USERNAME:"},
		{map[string]string{"MEMCACHED_USERNAME": "a user", "MEMCACHED_PASSWORD": "p"}, "MEMCACHED_USERNAME:"},
		{map[string]string{"MEMCACHED_USERNAME": "u", "MEMCACHED_PASSWORD": "p", "MEMCACHIER_USERNAME": "u", "MEMCACHIER_PASSWORD": "p"}, "MEMCACHED_USERNAME:"},
		{map[string]string{"CACHE_TIMEOUT": "5"}, "CACHE_TIMEOUT:"},
		{map[string]string{"CACHE_KEY_PREFIX": "my app:"}, "CACHE_KEY_PREFIX:"},
		{map[string]string{"CACHE_KEY_PREFIX": strings.Repeat("p", 101)}, "CACHE_KEY_PREFIX:"},
		{map[string]string{"CACHE_TIMEOUT": "0s"}, "CACHE_TIMEOUT:"},
		{map[string]string{"CACHE_RETRY_AFTER": "later"}, "CACHE_RETRY_AFTER:"},
		{map[string]string{"CACHE_FAILURE_LIMIT": "0"}, "CACHE_FAILURE_LIMIT:"},
		{map[string]string{"CACHE_FAILURE_LIMIT": "three"}, "CACHE_FAILURE_LIMIT:"},
		{map[string]string{"CACHE_MEMORY_MB": "0"}, "CACHE_MEMORY_MB:"},
		{map[string]string{"CACHE_MEMORY_MB": "64MB"}, "CACHE_MEMORY_MB:"},
		{map[string]string{"CACHE_MEMORY_MB": "-1"}, "CACHE_MEMORY_MB:"},
		{map[string]string{"CACHE_MEMORY_MB": "99999999999"}, "CACHE_MEMORY_MB:"},
		{map[string]string{"TASKS_QUERY_DELAY": "-1s"}, "TASKS_QUERY_DELAY:"},
		{map[string]string{"SESSION_COOKIE_SECURE": "yes please"}, "SESSION_COOKIE_SECURE:"},
	} {
		_, err := Parse(lookupFrom(tc.env))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%v) = %v, want one line starting with %q", tc.env, err, tc.want)
		}
	}
}
