package cache

import (
	"fmt"
	"time"
)

// Defaults for the Options left zero.
const (
	// DefaultTimeout bounds every memcached operation: gomemcache's own
	// default raised a little, so that a slow network does not turn hits
	// into errors, yet a dead server costs a page at most a few hundred
	// milliseconds.
	DefaultTimeout = 250 * time.Millisecond
	// DefaultRetryAfter is how long a server that failed is left out. The
	// Flask app's client waited 30 s; a shorter pause lets the workshop show
	// the cache coming back within a reload or two.
	DefaultRetryAfter = 5 * time.Second
	// DefaultFailureLimit is how many timeouts in a row leave a server out:
	// more than one, so that a single slow answer does not switch a server
	// off; few, so that a frozen server costs only the requests already
	// waiting on it (twemproxy's server_failure_limit is 2, mcrouter's
	// failures_until_tko 3).
	DefaultFailureLimit = 3
	// DefaultMemoryMB bounds the in-process cache, as memcached's -m does.
	DefaultMemoryMB = 64
)

// Options say which cache New builds and how it behaves. With no Servers it
// builds an in-process cache; every zero value means its default.
type Options struct {
	Servers   []string // memcached servers, host:port
	Login     *Login   // nil: connections need no login
	KeyPrefix string   // put before every key

	Timeout      time.Duration // per operation (DefaultTimeout)
	RetryAfter   time.Duration // how long a failed server is left out (DefaultRetryAfter)
	FailureLimit int           // timeouts in a row that leave a server out (DefaultFailureLimit)

	MemoryMB int // bound of the in-process cache (DefaultMemoryMB)
}

// Login authenticates every new connection before its first command, with a
// "set" answered by STORED, in one of the text protocol's two formats:
// MemCachier's (the key is the username, the value the password) or, with
// Upstream, upstream memcached's when it runs with -Y (any key, the value
// "username password").
type Login struct {
	Username, Password string
	Upstream           bool
	// Hint says where the credentials come from, for the log line that
	// reports them rejected (never their values).
	Hint string
}

// Command is the request that logs a connection in, without its final line
// ending.
func (l Login) Command() string {
	key, value := l.Username, l.Password
	if l.Upstream {
		key, value = "auth", l.Username+" "+l.Password
	}
	return fmt.Sprintf("set %s 0 0 %d\r\n%s", key, len(value), value)
}

// format names the login's format, for the log.
func (l Login) format() string {
	if l.Upstream {
		return "memcached"
	}
	return "MemCachier"
}

// withDefaults returns o with its zero values replaced by the defaults.
func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	if o.FailureLimit <= 0 {
		o.FailureLimit = DefaultFailureLimit
	}
	if o.MemoryMB <= 0 {
		o.MemoryMB = DefaultMemoryMB
	}
	return o
}
