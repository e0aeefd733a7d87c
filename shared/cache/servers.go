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

// retryAfter is how long a server that failed is left out before the
// client tries it again. The Flask app's client used 30 s; a shorter pause
// lets the workshop show the cache coming back within a reload or two.
var retryAfter = 5 * time.Second

var errServerDown = errors.New("memcached server left out after a failure; it is tried again shortly")

// serverPool picks the server for a key by rendezvous hashing: every server
// scores every key, the highest live score wins. Losing a server moves only
// its own keys (each to its second choice), as ketama hashing did for the
// Flask app, where gomemcache's default (hash modulo the number of servers)
// would move almost all of them. A server whose connection fails is left out
// for retryAfter, so a dead or hung server costs one timeout, not one per
// request.
type serverPool struct {
	addrs     []net.Addr
	names     []string
	downUntil []atomic.Int64 // Unix nanoseconds; 0 when up
}

func newServerPool(servers []string) (*serverPool, error) {
	p := &serverPool{downUntil: make([]atomic.Int64, len(servers))}
	for _, s := range servers {
		addr, err := net.ResolveTCPAddr("tcp", s)
		if err != nil {
			return nil, fmt.Errorf("memcached server %q: %w", s, err)
		}
		// Keep the address's string: the client keys its idle connections
		// by it, several times per operation.
		p.addrs = append(p.addrs, &fixedAddr{network: addr.Network(), str: addr.String()})
		p.names = append(p.names, s)
	}
	return p, nil
}

// PickServer implements memcache.ServerSelector.
func (p *serverPool) PickServer(key string) (net.Addr, error) {
	best, bestScore := -1, uint64(0)
	now := time.Now().UnixNano()
	for i, name := range p.names {
		if p.downUntil[i].Load() > now {
			continue
		}
		if score := rendezvousScore(name, key); best < 0 || score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return nil, errServerDown
	}
	return p.addrs[best], nil
}

// Each implements memcache.ServerSelector.
func (p *serverPool) Each(f func(net.Addr) error) error {
	for _, a := range p.addrs {
		if err := f(a); err != nil {
			return err
		}
	}
	return nil
}

// markDown leaves addr out for retryAfter.
func (p *serverPool) markDown(addr net.Addr) {
	for i, a := range p.addrs {
		if a.String() == addr.String() {
			p.downUntil[i].Store(time.Now().Add(retryAfter).UnixNano())
		}
	}
}

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
