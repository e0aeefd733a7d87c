// Package testenv gives the chapters' tests real servers (a MySQL database
// and a memcached key prefix of their own) and helpers to load and break them.
//
// By default it starts one container of each kind per test binary with
// testcontainers-go; TEST_MYSQL_DSN and TEST_MEMCACHED_SERVERS name running
// servers to use instead. Without Docker and without those variables a test
// skips with a line that says how to enable it, except under CI=true, where
// it fails: CI must never pass by skipping.
//
// A package that uses it calls Main from its TestMain, so that the containers
// are removed when its tests finish:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/testcontainers/testcontainers-go"
)

// The variables that configure the harness (see docs/configuration.md).
const (
	EnvMySQLDSN           = "TEST_MYSQL_DSN"
	EnvMemcachedServers   = "TEST_MEMCACHED_SERVERS"
	EnvMySQLImage         = "TEST_MYSQL_IMAGE"
	EnvMemcachedImage     = "TEST_MEMCACHED_IMAGE"
	DefaultMySQLImage     = "mysql:8.4"
	DefaultMemcachedImage = "memcached:1.6-alpine"
)

const (
	mysqlRootPassword = "secret"
	startupTimeout    = 2 * time.Minute
)

var (
	mainRunning bool

	mu         sync.Mutex
	started    []testcontainers.Container
	mysqlAdmin *server // root DSN of the binary's MySQL
	memcached  *server // host:port list of the binary's memcached
)

// server is started once per binary; a failure is remembered so that every
// test reports it without trying again.
type server struct {
	addr string
	err  error
}

// Main runs the package's tests, removes the containers they started, and
// exits with the tests' status.
func Main(m *testing.M) {
	mainRunning = true
	code := m.Run()
	mu.Lock()
	for _, c := range started {
		if err := testcontainers.TerminateContainer(c); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: remove container: %v\n", err)
			code = max(code, 1)
		}
	}
	mu.Unlock()
	os.Exit(code)
}

// SQLiteURL returns the DATABASE_URL of a new SQLite file in the test's
// temporary folder.
func SQLiteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "task_list.db")
}

// MySQLURL returns the DATABASE_URL (mysql://…) of a new, empty database on a
// real MySQL server, and of a user of its own. Both are dropped when the test
// ends.
func MySQLURL(t testing.TB) string {
	t.Helper()
	adminDSN := mysqlServer(t)
	name := "test_" + randomHex(t, 6)
	databaseURL, err := CreateDatabase(context.Background(), adminDSN, name)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		if err := DropDatabase(context.Background(), adminDSN, name); err != nil {
			t.Errorf("testenv: %v", err)
		}
	})
	return databaseURL
}

// MySQLAdminDSN returns the DSN of the MySQL server's administrator, the
// user MySQLURL creates databases and users with.
func MySQLAdminDSN(t testing.TB) string {
	t.Helper()
	return mysqlServer(t)
}

// Memcached returns the addresses of a real memcached and a key prefix no
// other test uses, so that tests sharing the server never see each other's keys.
func Memcached(t testing.TB) (servers []string, keyPrefix string) {
	t.Helper()
	addrs := memcachedServer(t)
	return strings.Split(addrs, ","), "test-" + randomHex(t, 6) + ":"
}

func mysqlServer(t testing.TB) string {
	t.Helper()
	if dsn := os.Getenv(EnvMySQLDSN); dsn != "" {
		return dsn
	}
	return start(t, &mysqlAdmin, "MySQL", runMySQL)
}

// runMySQL starts a MySQL container and returns the DSN of its root user.
func runMySQL(ctx context.Context) (testcontainers.Container, string, error) {
	img := image(EnvMySQLImage, DefaultMySQLImage)
	if err := requireImage(ctx, img, EnvMySQLImage, homeBuiltMySQLImage); err != nil {
		return nil, "", err
	}
	c, err := testcontainers.Run(ctx, img,
		testcontainers.WithExposedPorts("3306/tcp"),
		testcontainers.WithEnv(map[string]string{"MYSQL_ROOT_PASSWORD": mysqlRootPassword}),
	)
	if err != nil {
		return c, "", err
	}
	// A query that succeeds works for MySQL and MariaDB alike; log lines differ.
	addr, err := endpoint(ctx, c, "3306/tcp", mysqlProbe)
	return c, rootDSN(addr), err
}

func rootDSN(addr string) string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = "root", mysqlRootPassword, "tcp", addr
	return cfg.FormatDSN()
}

func memcachedServer(t testing.TB) string {
	t.Helper()
	if servers := os.Getenv(EnvMemcachedServers); servers != "" {
		return servers
	}
	return start(t, &memcached, "memcached", runMemcached)
}

// runMemcached starts a memcached container and returns its address.
func runMemcached(ctx context.Context) (testcontainers.Container, string, error) {
	img := image(EnvMemcachedImage, DefaultMemcachedImage)
	if err := requireImage(ctx, img, EnvMemcachedImage, homeBuiltMemcachedImage); err != nil {
		return nil, "", err
	}
	c, err := testcontainers.Run(ctx, img, testcontainers.WithExposedPorts("11211/tcp"))
	if err != nil {
		return c, "", err
	}
	addr, err := endpoint(ctx, c, "11211/tcp", memcachedProbe)
	return c, addr, err
}

// StartServers gives a program outside "go test" (the benchmark command)
// the servers the tests would use: those named by TEST_MYSQL_DSN and
// TEST_MEMCACHED_SERVERS, or else new containers, which stop removes.
func StartServers(ctx context.Context) (mysqlAdminDSN, memcachedServers string, stop func(), err error) {
	var containers []testcontainers.Container
	stop = func() {
		for _, c := range containers {
			testcontainers.TerminateContainer(c)
		}
	}
	mysqlAdminDSN, memcachedServers = os.Getenv(EnvMySQLDSN), os.Getenv(EnvMemcachedServers)
	if mysqlAdminDSN == "" || memcachedServers == "" {
		if err := dockerReady(); err != nil {
			return "", "", nil, fmt.Errorf("no Docker engine (%v); start Docker, or set %s and %s to running servers",
				err, EnvMySQLDSN, EnvMemcachedServers)
		}
	}
	for _, s := range []struct {
		addr *string
		what string
		run  func(context.Context) (testcontainers.Container, string, error)
	}{{&mysqlAdminDSN, "MySQL", runMySQL}, {&memcachedServers, "memcached", runMemcached}} {
		if *s.addr != "" {
			continue
		}
		c, addr, err := s.run(ctx)
		if c != nil {
			containers = append(containers, c)
		}
		if err != nil {
			stop()
			return "", "", nil, fmt.Errorf("start %s container: %w", s.what, err)
		}
		*s.addr = addr
	}
	return mysqlAdminDSN, memcachedServers, stop, nil
}

// CreateDatabase creates a database on the server of adminDSN, and a user of
// the same name, with a long random password, allowed to use only that
// database; it returns the DATABASE_URL that logs in as that user. So an
// app under test never holds the admin's credentials, and a test that looks
// for the password in logs has one that cannot turn up by chance. When the
// admin may create databases but not users or grants, the URL logs in as
// the admin, and a note (shown with -v) says so once.
func CreateDatabase(ctx context.Context, adminDSN, name string) (string, error) {
	cfg, err := mysql.ParseDSN(adminDSN)
	if err != nil {
		return "", fmt.Errorf("%s: %w", EnvMySQLDSN, err)
	}
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	user, password := name, hex.EncodeToString(secret)
	admin, err := sql.Open("mysql", adminDSN)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("CREATE DATABASE %s: %w", name, err)
	}
	for _, stmt := range []struct{ verb, sql string }{
		{"CREATE USER", "CREATE USER '" + name + "'@'%' IDENTIFIED BY '" + password + "'"},
		{"GRANT", "GRANT ALL PRIVILEGES ON " + name + ".* TO '" + name + "'@'%'"},
	} {
		if _, err := admin.ExecContext(ctx, stmt.sql); err != nil {
			if !accessDenied(err) {
				return "", fmt.Errorf("%s for %s: %w", stmt.verb, name, err)
			}
			// The same line for every database, so that note shows it once.
			note("the user of %s may not %s: the tests' apps log in as that user", EnvMySQLDSN, stmt.verb)
			admin.ExecContext(ctx, "DROP USER IF EXISTS '"+name+"'@'%'")
			user, password = cfg.User, cfg.Passwd
			break
		}
	}
	u := url.URL{Scheme: "mysql", User: url.UserPassword(user, password), Host: cfg.Addr, Path: "/" + name}
	return u.String(), nil
}

// accessDenied reports whether err is MySQL's refusal of a privilege.
func accessDenied(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1044 || me.Number == 1045 || me.Number == 1227 || me.Number == 1410)
}

// DropDatabase drops what CreateDatabase created.
func DropDatabase(ctx context.Context, adminDSN, name string) error {
	admin, err := sql.Open("mysql", adminDSN)
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		return fmt.Errorf("DROP DATABASE %s: %w", name, err)
	}
	// No such user if the admin could not create one.
	if _, err := admin.ExecContext(ctx, "DROP USER IF EXISTS '"+name+"'@'%'"); err != nil && !accessDenied(err) {
		return fmt.Errorf("DROP USER %s: %w", name, err)
	}
	return nil
}

// start runs a container once per test binary and returns its address.
func start(t testing.TB, s **server, what string, run func(context.Context) (testcontainers.Container, string, error)) string {
	t.Helper()
	if !mainRunning {
		t.Fatal("testenv: call testenv.Main(m) from TestMain so that containers are removed after the tests")
	}
	requireDocker(t, what)

	mu.Lock()
	defer mu.Unlock()
	if *s == nil {
		ctx, cancel := context.WithTimeout(context.Background(), startupTimeout)
		defer cancel()
		c, addr, err := run(ctx)
		if c != nil {
			started = append(started, c)
		}
		if err != nil {
			err = fmt.Errorf("start %s container: %w", what, err)
		}
		*s = &server{addr: addr, err: err}
	}
	if (*s).err != nil {
		t.Fatalf("testenv: %v", (*s).err)
	}
	return (*s).addr
}

var (
	dockerOnce sync.Once
	dockerErr  error
)

// dockerReady reports whether a Docker engine answers, once per binary,
// after settling what testcontainers must know before its first call.
func dockerReady() error {
	dockerOnce.Do(func() {
		prepareRyuk()
		dockerErr = dockerHealth()
	})
	return dockerErr
}

// requireDocker skips the test when no Docker engine answers, or fails it
// under CI=true.
func requireDocker(t testing.TB, what string) {
	t.Helper()
	if dockerReady() == nil {
		return
	}
	msg := fmt.Sprintf("testenv: no Docker engine for a %s container (%v); start Docker, or set %s / %s to running servers",
		what, dockerErr, EnvMySQLDSN, EnvMemcachedServers)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func dockerHealth() (err error) {
	defer func() {
		// testcontainers panics in some set-ups without Docker.
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return err
	}
	defer provider.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return provider.Health(ctx)
}

func image(env, def string) string {
	if v := os.Getenv(env); v != "" {
		return v
	}
	return def
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
