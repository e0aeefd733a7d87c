package cache

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/config"
	"github.com/go-memcache-workshop/tasklist/shared/memcachedtext"
)

// dialFunc is the shape of gomemcache's Client.DialContext.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// authDialer returns a dialer that authenticates every new connection in the
// format the configuration names, or nil when it names no credentials.
//
// Both formats are a "set" answered by STORED before the connection's first
// command; they differ in what the set carries:
//   - MemCachier: the key is the username and the value the password.
//   - upstream memcached started with -Y authfile: any key, and the value
//     "username password".
func authDialer(cfg config.Config) dialFunc {
	switch {
	case cfg.MemcachierUsername != "":
		return memcachierDialer(cfg.MemcachierUsername, cfg.MemcachierPassword)
	case cfg.MemcachedUsername != "":
		return memcachedAuthDialer(cfg.MemcachedUsername, cfg.MemcachedPassword)
	}
	return nil
}

// memcachierDialer authenticates the way MemCachier's ASCII protocol expects.
func memcachierDialer(username, password string) dialFunc {
	return handshake{
		format: "MemCachier",
		vars:   "MEMCACHIER_USERNAME and MEMCACHIER_PASSWORD",
		login:  memcachedtext.Credentials{Username: username, Password: password},
	}.dialer()
}

// memcachedAuthDialer authenticates the way upstream memcached's text
// protocol expects when it runs with -Y.
func memcachedAuthDialer(username, password string) dialFunc {
	return handshake{
		format: "memcached",
		vars:   "MEMCACHED_USERNAME and MEMCACHED_PASSWORD",
		login:  memcachedtext.Credentials{Username: username, Password: password, Upstream: true},
	}.dialer()
}

// handshake is the "set" that authenticates a connection. The password is
// written to the connection and nowhere else.
type handshake struct {
	format, vars string
	login        memcachedtext.Credentials
}

// dialer dials and authenticates. A rejection is logged once per server
// until that server accepts the credentials again, so wrong credentials
// give one clear line rather than one per request; every operation on that
// server still fails, at once, with an error the chapters treat as a miss.
func (h handshake) dialer() dialFunc {
	var (
		mu       sync.Mutex
		rejected = map[string]bool{} // server address -> last handshake rejected
	)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		answer, err := h.run(ctx, conn)
		if err != nil { // the connection failed: the server pool's business
			conn.Close()
			return nil, fmt.Errorf("%s authentication on %s: %w", h.format, addr, err)
		}
		mu.Lock()
		wasRejected := rejected[addr]
		rejected[addr] = answer != "STORED"
		mu.Unlock()
		if answer == "STORED" {
			if wasRejected {
				slog.Info(h.format+" authentication accepted again", "server", addr)
			}
			return conn, nil
		}
		conn.Close()
		if !wasRejected {
			slog.Error(h.format+" authentication failed: check "+h.vars+"; the cache is not used until they are right",
				"server", addr, "answer", answer)
		}
		return nil, fmt.Errorf("%s authentication on %s rejected: server answered %q", h.format, addr, answer)
	}
}

// run sends the handshake and returns the server's one-line answer, without
// its line ending.
func (h handshake) run(ctx context.Context, conn net.Conn) (string, error) {
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
		defer conn.SetDeadline(time.Time{})
	}
	if _, err := io.WriteString(conn, h.login.Login()+"\r\n"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
