package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
)

var errServerDown = errors.New("memcached server left out after failing; it is tried again shortly")

// server is one memcached server with a client of its own, so that every
// operation knows, without asking again, which server it went to.
type server struct {
	name   string // host:port as configured; it scores keys
	client *memcache.Client
	conns  chan struct{} // a token per operation in flight: at most cap(conns) connections

	downUntil  atomic.Int64 // Unix nanoseconds; 0 while the server is in
	failures   atomic.Int64 // timeouts in a row that count against the server
	lastAnswer atomic.Int64 // Unix nanoseconds: when it last answered anything
}

// serverPool picks the server for a key by rendezvous hashing: every server
// scores every key, the highest live score wins. Losing a server moves only
// its own keys (each to its second choice), as ketama hashing did for the
// Flask app, where gomemcache's default (hash modulo the number of servers)
// would move almost all of them.
//
// A server is left out for retryAfter (CACHE_RETRY_AFTER) on evidence of
// its own failure, never for this process's slowness:
//   - a refused or reset connection leaves it out at once: nothing listens,
//     or the server dropped us, however busy this process is;
//   - a timeout counts one failure, unless the server answered another
//     operation while this one waited (then the wait was this process's: a
//     busy CPU that did not read the answer in time); failureLimit
//     (CACHE_FAILURE_LIMIT) counted failures in a row leave it out, and
//     any answer resets the count.
//
// When the pause is over, a single operation tries the server again while
// the others keep leaving it out: if it answers, the server is back; if not,
// it is left out once more.
type serverPool struct {
	servers      []*server
	retryAfter   time.Duration
	failureLimit int64
}

func newServerPool(names []string, retryAfter time.Duration, failureLimit, maxConns int, newClient func(memcache.ServerSelector) *memcache.Client) (*serverPool, error) {
	p := &serverPool{retryAfter: retryAfter, failureLimit: int64(failureLimit)}
	for _, name := range names {
		addr, err := net.ResolveTCPAddr("tcp", name)
		if err != nil {
			return nil, fmt.Errorf("memcached server %q: %w", name, err)
		}
		// The client keys its idle connections by the address's string,
		// several times per operation: compute it once.
		one := oneServer{&fixedAddr{network: addr.Network(), str: addr.String()}}
		p.servers = append(p.servers, &server{name: name, client: newClient(one), conns: make(chan struct{}, maxConns)})
	}
	return p, nil
}

// pick returns the server for key. probe reports whether this operation is
// the one that tries a server again after its pause; the caller passes it
// to done.
func (p *serverPool) pick(key string) (s *server, probe bool, err error) {
	now := time.Now().UnixNano()
	for {
		best, bestScore := -1, uint64(0)
		for i, s := range p.servers {
			if s.downUntil.Load() > now {
				continue
			}
			if score := rendezvousScore(s.name, key); best < 0 || score > bestScore {
				best, bestScore = i, score
			}
		}
		if best < 0 {
			return nil, false, errServerDown
		}
		s := p.servers[best]
		until := s.downUntil.Load()
		if until == 0 {
			return s, false, nil
		}
		// Its pause is over. Whoever swaps in a new pause makes the one
		// try; everyone else sees the new pause and picks again.
		if s.downUntil.CompareAndSwap(until, now+int64(p.retryAfter)) {
			return s, true, nil
		}
	}
}

// acquire waits, under ctx, for one of s's connections, so that a burst of
// callers queues for the connections it has rather than opening more. It
// fails with errServerDown if s was left out while the caller waited (the
// try after a pause excepted). release gives the connection back.
func (s *server) acquire(ctx context.Context, probe bool) error {
	select {
	case s.conns <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	if !probe && s.downUntil.Load() > time.Now().UnixNano() {
		s.release()
		return errServerDown
	}
	return nil
}

func (s *server) release() { <-s.conns }

// done records how an operation on s that began at began went (see
// serverPool for the rules).
func (p *serverPool) done(s *server, probe bool, began time.Time, err error) {
	now := time.Now()
	switch {
	case !connectionFailed(err): // an answer, even "not found"
		s.lastAnswer.Store(now.UnixNano())
		if s.failures.Load() != 0 { // no write to a shared counter on every answer
			s.failures.Store(0)
		}
		if probe {
			s.downUntil.Store(0)
			slog.Info("memcached server back in use", "server", s.name)
		}
	case probe: // its one try failed: another pause, already counted
		s.downUntil.Store(now.Add(p.retryAfter).UnixNano())
	case refusedOrReset(err):
		p.leaveOut(s, now, err)
	case s.lastAnswer.Load() > began.UnixNano():
		// It answered someone else while this operation waited.
	case s.failures.Add(1) >= p.failureLimit:
		p.leaveOut(s, now, err)
	}
}

// leaveOut takes s out of use for retryAfter and drops its idle
// connections, which are likely dead too. Of the operations that fail
// together, only the first says so in the log.
func (p *serverPool) leaveOut(s *server, now time.Time, err error) {
	if s.downUntil.Swap(now.Add(p.retryAfter).UnixNano()) > now.UnixNano() {
		return // already out
	}
	s.failures.Store(0)
	s.client.Close()
	slog.Warn("memcached server left out", "server", s.name, "for", p.retryAfter, "err", err)
}

// close drops every server's idle connections.
func (p *serverPool) close() error {
	var first error
	for _, s := range p.servers {
		if err := s.client.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// oneServer is the selector of a server's own client: every key goes there.
type oneServer struct{ addr net.Addr }

func (o oneServer) PickServer(string) (net.Addr, error) { return o.addr, nil }
func (o oneServer) Each(f func(net.Addr) error) error   { return f(o.addr) }

// rendezvousScore is FNV-1a over the server's name and the key: stable
// across processes and restarts, so every app server picks alike.
func rendezvousScore(server, key string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(server); i++ {
		h = (h ^ uint64(server[i])) * prime
	}
	h *= prime // a zero byte between the two, so "ab"+"c" and "a"+"bc" differ
	for i := 0; i < len(key); i++ {
		h = (h ^ uint64(key[i])) * prime
	}
	// FNV's low bits mix poorly for similar inputs; finish with a mixer.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// refusedOrReset reports whether err says that the server refused or
// dropped the connection, which no slowness of this process explains.
func refusedOrReset(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// connectionFailed tells a dead or hung server from a protocol answer
// (a miss, "not stored", a value too large), which says the server works.
func connectionFailed(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	var timeout *memcache.ConnectTimeoutError
	return errors.As(err, &netErr) || errors.As(err, &timeout) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// fixedAddr is a resolved address whose String is computed once.
type fixedAddr struct{ network, str string }

func (a *fixedAddr) Network() string { return a.network }
func (a *fixedAddr) String() string  { return a.str }
