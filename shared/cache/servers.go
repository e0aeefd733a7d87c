package cache

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
)

var errServerDown = errors.New("memcached server left out after a failure; it is tried again shortly")

// server is one memcached server with a client of its own, so that every
// operation knows, without asking again, which server it went to.
type server struct {
	name      string // host:port as configured; it scores keys
	client    *memcache.Client
	downUntil atomic.Int64 // Unix nanoseconds; 0 while the server is up
}

// serverPool picks the server for a key by rendezvous hashing: every server
// scores every key, the highest live score wins. Losing a server moves only
// its own keys (each to its second choice), as ketama hashing did for the
// Flask app, where gomemcache's default (hash modulo the number of servers)
// would move almost all of them.
//
// A server whose connection fails is left out for retryAfter
// (CACHE_RETRY_AFTER), so a dead or
// hung server costs the operations that were already waiting on it one
// timeout, and later ones nothing. When the pause is over, a single
// operation tries the server again while the others keep leaving it out:
// if it answers, the server is back; if not, it is left out once more.
type serverPool struct {
	servers    []*server
	retryAfter time.Duration
}

func newServerPool(names []string, retryAfter time.Duration, newClient func(memcache.ServerSelector) *memcache.Client) (*serverPool, error) {
	p := &serverPool{retryAfter: retryAfter}
	for _, name := range names {
		addr, err := net.ResolveTCPAddr("tcp", name)
		if err != nil {
			return nil, fmt.Errorf("memcached server %q: %w", name, err)
		}
		// The client keys its idle connections by the address's string,
		// several times per operation: compute it once.
		one := oneServer{&fixedAddr{network: addr.Network(), str: addr.String()}}
		p.servers = append(p.servers, &server{name: name, client: newClient(one)})
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

// done records how an operation on s went: a connection failure leaves s
// out (and drops its idle connections, which are likely dead too); an
// answer from a server that was being tried again brings it back.
func (p *serverPool) done(s *server, probe bool, err error) {
	switch {
	case connectionFailed(err):
		s.downUntil.Store(time.Now().Add(p.retryAfter).UnixNano())
		s.client.Close()
	case probe:
		s.downUntil.Store(0)
	}
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
