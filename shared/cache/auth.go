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
)

// dialFunc is the shape of gomemcache's Client.DialContext.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// dialer dials and logs every new connection in. The password is written
// to the connection and nowhere else. A rejection is logged once per server
// until that server accepts the credentials again, so wrong credentials
// give one clear line rather than one per request; every operation on that
// server still fails, at once, with an error the chapters treat as a miss.
func (l Login) dialer() dialFunc {
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
		answer, err := l.handshake(ctx, conn)
		if err != nil { // the connection failed: the server pool's business
			conn.Close()
			return nil, fmt.Errorf("%s authentication on %s: %w", l.format(), addr, err)
		}
		mu.Lock()
		wasRejected := rejected[addr]
		rejected[addr] = answer != "STORED"
		mu.Unlock()
		if answer == "STORED" {
			if wasRejected {
				slog.Info(l.format()+" authentication accepted again", "server", addr)
			}
			return conn, nil
		}
		conn.Close()
		if !wasRejected {
			slog.Error(l.format()+" authentication failed: check "+l.Hint+"; the cache is not used until they are right",
				"server", addr, "answer", answer)
		}
		return nil, fmt.Errorf("%s authentication on %s rejected: server answered %q", l.format(), addr, answer)
	}
}

// handshake sends the login and returns the server's one-line answer,
// without its line ending.
func (l Login) handshake(ctx context.Context, conn net.Conn) (string, error) {
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
		defer conn.SetDeadline(time.Time{})
	}
	if _, err := io.WriteString(conn, l.Command()+"\r\n"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
