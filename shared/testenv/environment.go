package testenv

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// This file turns the usual ways a machine differs from a developer's laptop
// into either a fix or one line that says what to do: no registry (an image
// cannot be pulled), no Ryuk image, and tests that run inside a container,
// where testcontainers guesses the wrong address for published ports.

// The images `make images` builds from Debian packages, for the hints.
const (
	homeBuiltMySQLImage     = "taskcache/mariadb:bookworm"
	homeBuiltMemcachedImage = "taskcache/memcached:bookworm"
)

// ryukImage is the reaper testcontainers-go v0.45 starts unless
// TESTCONTAINERS_RYUK_DISABLED is true (its internal ReaperDefaultImage).
const ryukImage = "testcontainers/ryuk:0.14.0"

const (
	envRyukDisabled = "TESTCONTAINERS_RYUK_DISABLED"
	envHostOverride = "TESTCONTAINERS_HOST_OVERRIDE"
	envHubPrefix    = "TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX"
)

// pullTimeout bounds one image pull; a registry that answers at all answers
// well within it, and one that does not fails in milliseconds.
const pullTimeout = 5 * time.Minute

// note prints a line about the environment once per test binary. Output of
// a passing package is shown only with -v, so it never clutters a green run.
var notes sync.Map

func note(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if _, seen := notes.LoadOrStore(line, true); !seen {
		fmt.Fprintln(os.Stderr, "testenv: "+line)
	}
}

// prepareRyuk disables Ryuk when its image is neither here nor pullable,
// rather than letting the first container fail. testcontainers reads
// TESTCONTAINERS_RYUK_DISABLED once, at its first call, so this runs before
// any, with a plain Docker client. Without Ryuk nothing is lost as long as
// the tests end normally: Main and CleanupContainer remove every container.
func prepareRyuk() {
	if _, set := os.LookupEnv(envRyukDisabled); set {
		return // the user decided
	}
	ctx, cancel := context.WithTimeout(context.Background(), pullTimeout)
	defer cancel()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		return // no Docker here (or not at DOCKER_HOST); requireDocker says so
	}
	img := os.Getenv(envHubPrefix) + ryukImage
	if err := ensureImage(ctx, cli, img); err != nil {
		os.Setenv(envRyukDisabled, "true")
		note("Ryuk image %s cannot be pulled, so Ryuk is off (%s=true); the tests remove their own containers",
			img, envRyukDisabled)
	}
}

// ensureImage pulls img unless Docker already has it. One attempt: a
// registry that cannot be reached will not be reached by retrying.
func ensureImage(ctx context.Context, cli client.APIClient, img string) error {
	if _, err := cli.ImageInspect(ctx, img); err == nil {
		return nil
	}
	resp, err := cli.ImagePull(ctx, img, client.ImagePullOptions{})
	if err != nil {
		return err
	}
	defer resp.Close()
	return resp.Wait(ctx)
}

// requireImage makes sure Docker has img, or returns one line saying how to
// get one: testcontainers itself would retry a failing pull for minutes and
// then report only the registry's error.
func requireImage(ctx context.Context, img, env, homeBuilt string) error {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	pullCtx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	if err := ensureImage(pullCtx, cli, img); err != nil {
		return fmt.Errorf("image %s is not here and cannot be pulled (%s); without a registry run `make test`, "+
			"or `make images` and set %s=%s", img, oneLine(err), env, homeBuilt)
	}
	return nil
}

// probe reports whether the server at addr answers its protocol. A bare
// connect proves nothing: Docker's proxy accepts connections on a published
// port before the server inside listens.
type probe func(ctx context.Context, addr string) error

func mysqlProbe(ctx context.Context, addr string) error {
	db, err := sql.Open("mysql", rootDSN(addr))
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
}

// memcachedProbe accepts any answer to "version": a server started with -Y
// answers an unauthenticated client with CLIENT_ERROR, and that is an answer.
func memcachedProbe(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	if _, err := conn.Write([]byte("version\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "VERSION ") && !strings.HasPrefix(line, "CLIENT_ERROR") {
		return fmt.Errorf("not memcached: answered %q", line)
	}
	return nil
}

// endpoint waits until the container's server answers on its published port
// and returns host:port. It tries testcontainers' guess of the host and, when
// nobody set TESTCONTAINERS_HOST_OVERRIDE, 127.0.0.1 too: inside a container
// (a dev container, a CI job, this project's CI) the guess is the default
// gateway, which may not publish anything, while a Docker engine running in
// the same container publishes on loopback.
func endpoint(ctx context.Context, c *testcontainers.DockerContainer, port string, ready probe) (string, error) {
	guess, err := c.Host(ctx)
	if err != nil {
		return "", err
	}
	mapped, err := c.MappedPort(ctx, port)
	if err != nil {
		return "", err
	}
	hosts := []string{guess}
	if _, set := os.LookupEnv(envHostOverride); !set && guess != "127.0.0.1" && guess != "localhost" {
		hosts = append(hosts, "127.0.0.1")
	}
	addr, err := waitReady(ctx, hosts, mapped.Port(), ready)
	if err != nil {
		return "", fmt.Errorf("%w; if the tests run inside a container, set %s to an address where they reach Docker's published ports",
			err, envHostOverride)
	}
	if host, _, _ := net.SplitHostPort(addr); host != guess {
		note("published ports answer at %s, not at %s (testcontainers' guess inside a container); using %s (%s=%s says so up front)",
			host, guess, host, envHostOverride, host)
	}
	return addr, nil
}

// waitReady probes each host in turn until one answers or ctx ends.
func waitReady(ctx context.Context, hosts []string, port string, ready probe) (string, error) {
	lastErr := errors.New("never probed")
	for {
		for _, host := range hosts {
			addr := net.JoinHostPort(host, port)
			attempt, cancel := context.WithTimeout(ctx, time.Second)
			lastErr = ready(attempt, addr)
			cancel()
			if lastErr == nil {
				return addr, nil
			}
			lastErr = fmt.Errorf("%s: %w", addr, lastErr)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("server not ready (%s)", oneLine(lastErr))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
