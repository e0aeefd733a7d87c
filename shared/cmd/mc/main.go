// Command mc shows and changes what memcached holds (counters, keys, values),
// speaking its text protocol so that a reader needs neither nc nor telnet.
//
//	go run ./shared/cmd/mc help        # its commands: stats, keys, get, set, delete, flush...
//	go run ./shared/cmd/mc keys workshop:
//
// It talks to the servers the app would use, and logs in as the app does:
// MEMCACHED_SERVERS (with MEMCACHED_USERNAME and MEMCACHED_PASSWORD for a
// memcached started with -Y) or MEMCACHIER_SERVERS (with its username and
// password), read from the environment and .env as the app reads them;
// 127.0.0.1:11211 when none is set. Keys are given and shown in full, as
// memcached stores them, with CACHE_KEY_PREFIX included. With several
// servers each one's answer is labelled with its address.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/cacheconfig"
	"github.com/go-memcache-workshop/tasklist/shared/config"
	"github.com/go-memcache-workshop/tasklist/shared/memcachedtext"
)

// DefaultServer is where mc looks when no server is configured: a memcached
// started with its defaults on this machine.
const DefaultServer = "127.0.0.1:11211"

// timeout bounds one server's whole conversation; a metadump of a large
// cache takes a while, a dead server should not take forever.
const timeout = 10 * time.Second

const usage = `usage: mc COMMAND
  stats [NAME...]   the server's counters, all of them or those named (cmd_get get_hits ...)
  keys [PREFIX]     every key, or those starting with PREFIX: size in memory and time to expiry
  get KEY           the value stored under KEY
  gets KEY          the value and its CAS token
  set KEY VALUE [TTL]         store VALUE (TTL in seconds, 0 or none: no expiry)
  add KEY VALUE [TTL]         store VALUE only if KEY holds nothing
  cas KEY VALUE TOKEN [TTL]   store VALUE only if KEY is unchanged since gets gave TOKEN
  delete KEY        remove KEY
  flush             remove every key (flush_all)
  reset             set the counters back to zero (stats reset)
servers: MEMCACHED_SERVERS (or MEMCACHIER_SERVERS), from the environment or .env; default ` + DefaultServer + `
`

func main() {
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mc:", err)
		os.Exit(2)
	}
	servers := cfg.MemcachedServers
	if len(servers) == 0 {
		servers = []string{DefaultServer}
	}
	var auth credentials
	if login := cacheconfig.Options(cfg).Login; login != nil {
		auth = login.Command()
	}
	os.Exit(run(os.Args[1:], servers, auth, os.Stdout, os.Stderr))
}

// errHelp asks for the usage text.
var errHelp = errors.New("help")

// errNotFound makes get and delete exit with status 1 when no server has the key.
var errNotFound = memcachedtext.ErrNotFound

// credentials is the request that logs in to MemCachier or to a memcached
// started with -Y, as the app's cache client sends it; empty for a plain
// memcached.
type credentials = string

// conn is one connection to one server.
type conn = memcachedtext.Conn

// run carries out one command against every server and returns the exit
// status: 0 on success, 1 when the key was not found or a server failed,
// 2 for a bad command line.
func run(args []string, servers []string, auth credentials, stdout, stderr io.Writer) int {
	cmd, err := parse(args)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "mc: %v\n%s", err, usage)
		return 2
	}
	status, found := 0, false
	for _, addr := range servers {
		if len(servers) > 1 {
			fmt.Fprintf(stdout, "== %s ==\n", addr)
		}
		err := cmd(addr, auth, stdout)
		switch {
		case errors.Is(err, errNotFound):
			if len(servers) > 1 {
				fmt.Fprintln(stdout, "(not found)")
			}
		case err != nil:
			fmt.Fprintf(stderr, "mc: %s: %v\n", addr, err)
			status = 1
		default:
			found = true
		}
	}
	if status == 0 && !found {
		// get and delete: no server had the key.
		fmt.Fprintf(stderr, "mc: %s: not found\n", args[1])
		status = 1
	}
	return status
}

// command runs against one server, writing what it shows to out.
type command func(addr string, auth credentials, out io.Writer) error

func parse(args []string) (command, error) {
	if len(args) == 0 {
		return nil, errors.New("no command")
	}
	name, rest := args[0], args[1:]
	oneKey := func(do func(*conn, string, io.Writer) error) (command, error) {
		if len(rest) != 1 {
			return nil, fmt.Errorf("%s takes one key", name)
		}
		if err := checkKey(rest[0]); err != nil {
			return nil, err
		}
		return withConn(func(c *conn, out io.Writer) error { return do(c, rest[0], out) }), nil
	}
	switch name {
	case "stats":
		return withConn(func(c *conn, out io.Writer) error { return memcachedtext.PrintStats(c, rest, out) }), nil
	case "keys":
		if len(rest) > 1 {
			return nil, errors.New("keys takes at most one prefix")
		}
		prefix := strings.Join(rest, "")
		return withConn(func(c *conn, out io.Writer) error { return memcachedtext.PrintKeys(c, prefix, out) }), nil
	case "get":
		return oneKey(memcachedtext.PrintValue)
	case "gets":
		return oneKey(memcachedtext.PrintValueAndToken)
	case "set", "add", "cas":
		return storage(name, rest)
	case "delete":
		return oneKey(memcachedtext.DeleteKey)
	case "flush", "reset":
		if len(rest) != 0 {
			return nil, fmt.Errorf("%s takes no arguments", name)
		}
		request := map[string]string{"flush": "flush_all", "reset": "stats reset"}[name]
		return withConn(func(c *conn, out io.Writer) error {
			reply, err := c.Simple(request)
			if err == nil {
				fmt.Fprintln(out, reply)
			}
			return err
		}), nil
	case "help", "-h", "-help", "--help":
		return nil, errHelp
	}
	return nil, fmt.Errorf("unknown command %q", name)
}

// storage parses KEY VALUE [TOKEN] [TTL] for set, add and cas.
func storage(verb string, args []string) (command, error) {
	usage := verb + " takes KEY VALUE [TTL]"
	token := ""
	if verb == "cas" {
		usage = "cas takes KEY VALUE TOKEN [TTL]"
		if len(args) < 3 {
			return nil, errors.New(usage)
		}
		token = args[2]
		if _, err := strconv.ParseUint(token, 10, 64); err != nil {
			return nil, fmt.Errorf("%q is not a CAS token (a number, as gets shows it)", token)
		}
		args = append(args[:2:2], args[3:]...)
	}
	if len(args) < 2 || len(args) > 3 {
		return nil, errors.New(usage)
	}
	if err := checkKey(args[0]); err != nil {
		return nil, err
	}
	ttl := 0
	if len(args) == 3 {
		n, err := strconv.Atoi(args[2])
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not a TTL in seconds", args[2])
		}
		ttl = n
	}
	key, value := args[0], args[1]
	return withConn(func(c *conn, out io.Writer) error {
		return memcachedtext.StoreValue(c, verb, key, value, ttl, token, out)
	}), nil
}

// checkKey applies memcached's key rule: 1 to 250 bytes, no spaces or
// control characters.
func checkKey(key string) error {
	if key == "" || len(key) > 250 || strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("%q is not a memcached key (1 to 250 bytes, no spaces or control characters)", key)
	}
	return nil
}

func withConn(f func(*conn, io.Writer) error) command {
	return func(addr string, auth credentials, out io.Writer) error {
		c, err := memcachedtext.Dial(addr, auth, timeout)
		if err != nil {
			return err
		}
		defer c.Close()
		return f(c, out)
	}
}
