package testenv

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Server is a container of the test's own, for tests that stop, start or
// freeze a server. Its host port stays the same across a stop and start,
// so an app configured with Addr finds it again.
type Server struct {
	Addr      string // host:port on loopback
	container *testcontainers.DockerContainer
}

// OwnMemcached starts a memcached container for this test alone. Fault
// tests always use containers of their own, never TEST_MEMCACHED_SERVERS.
func OwnMemcached(t testing.TB) *Server {
	t.Helper()
	return own(t, "memcached", image(EnvMemcachedImage, DefaultMemcachedImage), "11211/tcp", nil,
		wait.ForListeningPort("11211/tcp").WithStartupTimeout(startupTimeout))
}

// OwnMySQL starts a MySQL container for this test alone and returns it with
// the DSN of its root user.
func OwnMySQL(t testing.TB) (*Server, string) {
	t.Helper()
	s := own(t, "MySQL", image(EnvMySQLImage, DefaultMySQLImage), "3306/tcp",
		map[string]string{"MYSQL_ROOT_PASSWORD": mysqlRootPassword},
		wait.ForSQL("3306/tcp", "mysql", func(host string, port network.Port) string {
			return rootDSN(host + ":" + port.Port())
		}).WithStartupTimeout(startupTimeout).WithPollInterval(200*time.Millisecond))
	return s, rootDSN(s.Addr)
}

func own(t testing.TB, what, img, port string, env map[string]string, ready wait.Strategy) *Server {
	t.Helper()
	requireDocker(t, what)
	hostPort := freePort(t)
	exposed := network.MustParsePort(port)
	c, err := testcontainers.Run(context.Background(), img,
		testcontainers.WithExposedPorts(port),
		testcontainers.WithEnv(env),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.PortBindings = network.PortMap{exposed: {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: hostPort}}}
		}),
		testcontainers.WithWaitStrategy(ready),
	)
	testcontainers.CleanupContainer(t, c)
	if err != nil {
		t.Fatalf("testenv: start %s container: %v", what, err)
	}
	return &Server{Addr: "127.0.0.1:" + hostPort, container: c}
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
	if err := s.container.Start(context.Background()); err != nil {
		t.Fatalf("testenv: start: %v", err)
	}
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
