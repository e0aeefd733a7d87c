// Package config reads the workshop's settings from the environment and an
// optional .env file. Every chapter uses it unchanged, so it knows all the
// variables of the table in docs/configuration.md, even those an early
// chapter ignores. It parses and checks them; what a value means to a
// driver (a DATABASE_URL's DSN) is left to the package that uses it.
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
)

// DefaultDatabaseURL is used when DATABASE_URL is not set: a SQLite file in
// the instance folder, as the original Flask app did.
const DefaultDatabaseURL = "sqlite:instance/task_list.db"

// The cache's defaults, for the settings left unset: shared/cache's own
// (its Default* constants say why each is what it is; shared/cacheconfig's
// test checks that the two agree). config does not import the cache, so
// that a chapter without one does not link it.
const (
	DefaultCacheTimeout      = 250 * time.Millisecond
	DefaultCacheRetryAfter   = 5 * time.Second
	DefaultCacheFailureLimit = 3
	DefaultCacheMemoryMB     = 64
)

// MaxCacheMemoryMB (1 TB) keeps CACHE_MEMORY_MB's bytes well inside an int64.
const MaxCacheMemoryMB = 1 << 20

// MaxKeyPrefix leaves 150 of memcached's 250 key bytes to the chapters' keys.
const MaxKeyPrefix = 100

// Config holds every setting of the app.
type Config struct {
	Addr string // ADDR, or ":$PORT", or ":8080"
	// DatabaseURL is the first of DATABASE_URL, JAWSDB_URL and
	// CLEARDB_DATABASE_URL that is set (hosted MySQL add-ons set one of the
	// last two), or DefaultDatabaseURL; DatabaseURLVar names its variable.
	DatabaseURL    string
	DatabaseURLVar string

	// MemcachedServers lists host:port addresses; empty means an in-process cache.
	MemcachedServers []string
	// MemCachier credentials; when Username is set the client authenticates
	// every new connection the way MemCachier's ASCII protocol expects.
	MemcachierUsername string
	MemcachierPassword string
	// Upstream memcached credentials (memcached -Y authfile); when Username
	// is set the client authenticates every new connection with a "set"
	// whose value is "username password".
	MemcachedUsername string
	MemcachedPassword string

	CacheKeyPrefix  string
	CacheTimeout    time.Duration
	CacheRetryAfter time.Duration // how long a failed server is left out
	// CacheFailureLimit is how many timeouts in a row leave a server out.
	CacheFailureLimit int
	TasksQueryDelay   time.Duration
	// CacheMemoryMB bounds the in-process cache (used when no memcached is
	// configured), in megabytes of keys and values, like memcached's -m.
	CacheMemoryMB int

	// SessionCookieSecure marks the session cookie (chapter 09) Secure, so
	// browsers send it over HTTPS only. Set it when a proxy serves the app
	// over TLS.
	SessionCookieSecure bool
}

// Load reads .env (if present) without overriding variables that are already
// set, then parses the environment.
func Load() (Config, error) {
	if err := godotenv.Load(); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Config{}, fmt.Errorf("read .env: %w", err)
	}
	return Parse(os.LookupEnv)
}

// Parse builds a Config from a lookup function such as os.LookupEnv. An error
// names the variable at fault, in one line.
func Parse(lookup func(string) (string, bool)) (Config, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	c := Config{
		Addr:               get("ADDR"),
		CacheKeyPrefix:     get("CACHE_KEY_PREFIX"),
		MemcachierUsername: get("MEMCACHIER_USERNAME"),
		MemcachierPassword: get("MEMCACHIER_PASSWORD"),
		MemcachedUsername:  get("MEMCACHED_USERNAME"),
		MemcachedPassword:  get("MEMCACHED_PASSWORD"),
		CacheTimeout:       DefaultCacheTimeout,
		CacheRetryAfter:    DefaultCacheRetryAfter,
	}

	if c.Addr == "" {
		c.Addr = ":8080"
		if port := get("PORT"); port != "" {
			if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
				return Config{}, fmt.Errorf("PORT: %q is not a port number", port)
			}
			c.Addr = ":" + port
		}
	} else if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return Config{}, fmt.Errorf("ADDR: %q is not host:port (%v)", c.Addr, err)
	}

	c.DatabaseURL, c.DatabaseURLVar = DefaultDatabaseURL, "DATABASE_URL" // checked when the database is opened
	for _, name := range []string{"DATABASE_URL", "JAWSDB_URL", "CLEARDB_DATABASE_URL"} {
		if v := get(name); v != "" {
			c.DatabaseURL, c.DatabaseURLVar = v, name
			break
		}
	}

	// MEMCACHED_SERVERS wins over MEMCACHIER_SERVERS when both are set.
	serversVar := "MEMCACHED_SERVERS"
	servers := get(serversVar)
	if servers == "" {
		serversVar = "MEMCACHIER_SERVERS"
		servers = get(serversVar)
	}
	list, err := parseServers(servers)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", serversVar, err)
	}
	c.MemcachedServers = list
	if c.MemcachierUsername != "" && c.MemcachierPassword == "" {
		return Config{}, errors.New("MEMCACHIER_PASSWORD: must be set when MEMCACHIER_USERNAME is")
	}
	if c.MemcachedUsername != "" && c.MemcachedPassword == "" {
		return Config{}, errors.New("MEMCACHED_PASSWORD: must be set when MEMCACHED_USERNAME is")
	}
	if c.MemcachedPassword != "" && c.MemcachedUsername == "" {
		return Config{}, errors.New("MEMCACHED_USERNAME: must be set when MEMCACHED_PASSWORD is")
	}
	// memcached splits "username password" at the first space, and its auth
	// file at the first colon, so neither may appear in the username.
	if strings.ContainsAny(c.MemcachedUsername, " :") {
		return Config{}, errors.New("MEMCACHED_USERNAME: must not contain a space or a colon")
	}
	// The two formats cannot both speak on one connection.
	if c.MemcachedUsername != "" && c.MemcachierUsername != "" {
		return Config{}, errors.New("MEMCACHED_USERNAME: set it or MEMCACHIER_USERNAME, not both (memcached -Y and MemCachier authenticate differently)")
	}

	if len(c.CacheKeyPrefix) > MaxKeyPrefix || strings.ContainsFunc(c.CacheKeyPrefix, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return Config{}, fmt.Errorf("CACHE_KEY_PREFIX: at most %d bytes, without spaces or control characters", MaxKeyPrefix)
	}
	if c.CacheTimeout, err = duration(get, "CACHE_TIMEOUT", DefaultCacheTimeout); err != nil {
		return Config{}, err
	}
	if c.CacheTimeout == 0 {
		return Config{}, errors.New("CACHE_TIMEOUT: must be greater than zero")
	}
	if c.CacheRetryAfter, err = duration(get, "CACHE_RETRY_AFTER", DefaultCacheRetryAfter); err != nil {
		return Config{}, err
	}
	c.CacheFailureLimit = DefaultCacheFailureLimit
	if v := get("CACHE_FAILURE_LIMIT"); v != "" {
		if c.CacheFailureLimit, err = strconv.Atoi(v); err != nil || c.CacheFailureLimit < 1 {
			return Config{}, fmt.Errorf("CACHE_FAILURE_LIMIT: %q is not a whole number of at least 1", v)
		}
	}
	c.CacheMemoryMB = DefaultCacheMemoryMB
	if v := get("CACHE_MEMORY_MB"); v != "" {
		if c.CacheMemoryMB, err = strconv.Atoi(v); err != nil || c.CacheMemoryMB < 1 || c.CacheMemoryMB > MaxCacheMemoryMB {
			return Config{}, fmt.Errorf("CACHE_MEMORY_MB: %q is not a whole number of megabytes from 1 to %d", v, MaxCacheMemoryMB)
		}
	}
	if c.TasksQueryDelay, err = duration(get, "TASKS_QUERY_DELAY", 0); err != nil {
		return Config{}, err
	}
	if v := get("SESSION_COOKIE_SECURE"); v != "" {
		if c.SessionCookieSecure, err = strconv.ParseBool(v); err != nil {
			return Config{}, fmt.Errorf("SESSION_COOKIE_SECURE: %q is not true or false", v)
		}
	}
	return c, nil
}

func duration(get func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := get(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a Go duration such as 250ms or 2s", name, v)
	}
	if d < 0 {
		return 0, fmt.Errorf("%s: %q is negative", name, v)
	}
	return d, nil
}

func parseServers(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var list []string
	for _, addr := range strings.Split(s, ",") {
		addr = strings.TrimSpace(addr)
		if addr == "" {
			continue
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("%q is not host:port", addr)
		}
		list = append(list, addr)
	}
	return list, nil
}
