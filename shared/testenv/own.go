package testenv

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/go-memcache-workshop/tasklist/shared/memcachedtext"
)

// Server is a container of the test's own, for tests that stop, start or
// freeze a server. Its host port stays the same across a stop and start,
// so an app configured with Addr finds it again.
type Server struct {
	Addr      string // host:port on loopback
	container *testcontainers.DockerContainer
	ready     probe
}

// OwnMemcached starts a memcached container for this test alone. Fault
// tests always use containers of their own, never TEST_MEMCACHED_SERVERS.
func OwnMemcached(t testing.TB) *Server {
	t.Helper()
	return own(t, "memcached", image(EnvMemcachedImage, DefaultMemcachedImage), EnvMemcachedImage,
		homeBuiltMemcachedImage, "11211/tcp", memcachedProbe)
}

// authFile is where AuthMemcached puts the server's credentials.
const authFile = "/tmp/memcached-auth"

// AuthMemcached starts a memcached container for this test alone that
// requires text-protocol authentication (memcached -Y): a client must first
// send a "set" whose value is "username password".
func AuthMemcached(t testing.TB, username, password string) *Server {
	t.Helper()
	return own(t, "memcached", image(EnvMemcachedImage, DefaultMemcachedImage), EnvMemcachedImage,
		homeBuiltMemcachedImage, "11211/tcp", memcachedProbe,
		testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader:            strings.NewReader(username + ":" + password + "\n"),
			ContainerFilePath: authFile,
			FileMode:          0o644, // read by memcached's own user
		}),
		// Both the official image and `make images`' append arguments to memcached.
		testcontainers.WithCmd("-Y", authFile),
	)
}

// OwnMySQL starts a MySQL container for this test alone and returns it with
// the DSN of its root user.
func OwnMySQL(t testing.TB) (*Server, string) {
	t.Helper()
	s := own(t, "MySQL", image(EnvMySQLImage, DefaultMySQLImage), EnvMySQLImage, homeBuiltMySQLImage, "3306/tcp",
		mysqlProbe, testcontainers.WithEnv(map[string]string{"MYSQL_ROOT_PASSWORD": mysqlRootPassword}))
	return s, rootDSN(s.Addr)
}

// own publishes the container's port on a loopback port chosen here, so
// that the port survives a stop and start.
func own(t testing.TB, what, img, imageEnv, homeBuilt, port string, ready probe, opts ...testcontainers.ContainerCustomizer) *Server {
	t.Helper()
	requireDocker(t, what)
	ctx, cancel := context.WithTimeout(context.Background(), startupTimeout)
	defer cancel()
	if err := requireImage(ctx, img, imageEnv, homeBuilt); err != nil {
		t.Fatalf("testenv: start %s container: %v", what, err)
	}
	hostPort := freePort(t)
	exposed := network.MustParsePort(port)
	opts = append([]testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(port),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.PortBindings = network.PortMap{exposed: {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: hostPort}}}
		}),
	}, opts...)
	c, err := testcontainers.Run(ctx, img, opts...)
	testcontainers.CleanupContainer(t, c)
	if err != nil {
		t.Fatalf("testenv: start %s container: %v", what, err)
	}
	s := &Server{Addr: "127.0.0.1:" + hostPort, container: c, ready: ready}
	s.waitReady(t, ctx)
	return s
}

func (s *Server) waitReady(t testing.TB, ctx context.Context) {
	t.Helper()
	host, port, _ := net.SplitHostPort(s.Addr)
	if _, err := waitReady(ctx, []string{host}, port, s.ready); err != nil {
		t.Fatalf("testenv: %v", err)
	}
}

// Stop stops the server; connections to Addr are refused until Start.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	timeout := time.Second
	if err := s.container.Stop(context.Background(), &timeout); err != nil {
		t.Fatalf("testenv: stop: %v", err)
	}
}

// Start starts a stopped server again and waits until it is ready.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startupTimeout)
	defer cancel()
	if err := s.container.Start(ctx); err != nil {
		t.Fatalf("testenv: start: %v", err)
	}
	s.waitReady(t, ctx)
}

// Freeze pauses the server: connections are still accepted, but nothing
// is ever answered, as with a hung process or a black-holed network.
func (s *Server) Freeze(t testing.TB) {
	t.Helper()
	s.docker(t, func(ctx context.Context, cli *testcontainers.DockerClient, id string) error {
		_, err := cli.ContainerPause(ctx, id, client.ContainerPauseOptions{})
		return err
	})
}

// Thaw undoes Freeze.
func (s *Server) Thaw(t testing.TB) {
	t.Helper()
	s.docker(t, func(ctx context.Context, cli *testcontainers.DockerClient, id string) error {
		_, err := cli.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
		return err
	})
}

func (s *Server) docker(t testing.TB, f func(context.Context, *testcontainers.DockerClient, string) error) {
	t.Helper()
	ctx := context.Background()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		t.Fatalf("testenv: docker client: %v", err)
	}
	defer cli.Close()
	if err := f(ctx, cli, s.container.GetContainerID()); err != nil {
		t.Fatalf("testenv: %v", err)
	}
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// Stats returns the server's own counters ("stats"), read on a connection
// of the test's own. The server must be memcached.
func (s *Server) Stats(t testing.TB) map[string]int64 {
	t.Helper()
	c := s.memcached(t)
	defer c.Close()
	pairs, err := c.Stats()
	if err != nil {
		t.Fatalf("testenv: stats of memcached at %s: %v", s.Addr, err)
	}
	stats := make(map[string]int64)
	for _, p := range pairs {
		if n, err := strconv.ParseInt(p[1], 10, 64); err == nil {
			stats[p[0]] = n
		}
	}
	return stats
}

// Has reports whether the memcached server holds key.
func (s *Server) Has(t testing.TB, key string) bool {
	t.Helper()
	c := s.memcached(t)
	defer c.Close()
	err := memcachedtext.PrintValue(c, key, io.Discard)
	if err != nil && !errors.Is(err, memcachedtext.ErrNotFound) {
		t.Fatalf("testenv: get %s from memcached at %s: %v", key, s.Addr, err)
	}
	return err == nil
}

func (s *Server) memcached(t testing.TB) *memcachedtext.Conn {
	t.Helper()
	c, err := memcachedtext.Dial(s.Addr, "", 5*time.Second)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return c
}
