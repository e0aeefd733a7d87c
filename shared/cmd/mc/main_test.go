package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// mc runs one command and returns its output, failing the test unless it
// exits with want.
func mc(t *testing.T, servers []string, want int, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	if got := run(args, servers, "", &out, &errs); got != want {
		t.Fatalf("mc %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, want, out.String(), errs.String())
	}
	return out.String(), errs.String()
}

func set(t *testing.T, server, key, value string, ttl int32) {
	t.Helper()
	if err := memcache.New(server).Set(&memcache.Item{Key: key, Value: []byte(value), Expiration: ttl}); err != nil {
		t.Fatalf("set %s: %v", key, err)
	}
}

// TestKeysGetDelete lists keys decoded (memcached's metadump percent-encodes
// them), reads a value, and deletes it, on a shared server under the
// test's own prefix.
func TestKeysGetDelete(t *testing.T) {
	all, prefix := testenv.Memcached(t)
	servers := all[:1] // one server, so that nothing is labelled
	set(t, servers[0], prefix+"view//a%20b", `<p>page</p>`, 300)
	set(t, servers[0], prefix+"all_tasks", `[{"id":1,"name":"Write the skeleton"}]`, 0)

	out, _ := mc(t, servers, 0, "keys", prefix)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("mc keys %s printed:\n%s", prefix, out)
	}
	for i, want := range []string{
		`^KEY +SIZE +EXPIRES$`,
		`^` + regexp.QuoteMeta(prefix+"all_tasks") + ` +\d+ +never$`,
		`^` + regexp.QuoteMeta(prefix+"view//a%20b") + ` +\d+ +in (5m0s|4m5\ds)$`,
	} {
		if !regexp.MustCompile(want).MatchString(lines[i]) {
			t.Errorf("mc keys line %d: %q does not match %s", i, lines[i], want)
		}
	}

	if out, _ := mc(t, servers, 0, "get", prefix+"all_tasks"); out != `[{"id":1,"name":"Write the skeleton"}]`+"\n" {
		t.Errorf("mc get printed %q", out)
	}
	if out, _ := mc(t, servers, 0, "delete", prefix+"all_tasks"); out != "DELETED\n" {
		t.Errorf("mc delete printed %q", out)
	}
	if _, errs := mc(t, servers, 1, "get", prefix+"all_tasks"); !strings.Contains(errs, "not found") {
		t.Errorf("mc get of a deleted key said %q", errs)
	}
	mc(t, servers, 1, "delete", prefix+"all_tasks")
	if out, _ := mc(t, servers, 0, "keys", prefix+"nothing-here:"); out != "(no keys)\n" {
		t.Errorf("mc keys with no match printed %q", out)
	}
}

// TestKeysListsEveryKeyWhileTheyAreRead lists 200 keys twenty times while
// 16 clients read them all: every listing must hold every key (a walk of
// memcached's LRUs skips the items being read).
func TestKeysListsEveryKeyWhileTheyAreRead(t *testing.T) {
	all, prefix := testenv.Memcached(t)
	servers := all[:1]
	keys := make([]string, 200)
	for i := range keys {
		keys[i] = fmt.Sprintf("%sread:%03d", prefix, i)
		set(t, servers[0], keys[i], strings.Repeat("v", 400), 0)
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	client := memcache.New(servers[0])
	client.MaxIdleConns = 16
	for range 16 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					client.GetMulti(keys)
				}
			}
		})
	}
	defer readers.Wait()
	defer close(stop)
	for listing := range 20 {
		out, _ := mc(t, servers, 0, "keys", prefix+"read:")
		if n := strings.Count(out, "\n") - 1; n != len(keys) {
			t.Fatalf("listing %d held %d of the %d keys", listing+1, n, len(keys))
		}
	}
}

func TestStats(t *testing.T) {
	all, _ := testenv.Memcached(t)
	servers := all[:1]
	out, _ := mc(t, servers, 0, "stats")
	for _, want := range []string{"\ncmd_get=", "\nget_hits=", "\ncurr_items="} {
		if !strings.Contains(out, want) {
			t.Errorf("mc stats lacks %q:\n%s", want[1:], out)
		}
	}
	out, _ = mc(t, servers, 0, "stats", "cmd_get", "cmd_set", "get_hits", "get_misses")
	if !regexp.MustCompile(`^cmd_get=\d+ cmd_set=\d+ get_hits=\d+ get_misses=\d+\n$`).MatchString(out) {
		t.Errorf("mc stats with names printed %q", out)
	}
	if _, errs := mc(t, servers, 1, "stats", "no_such_counter"); !strings.Contains(errs, "no_such_counter") {
		t.Errorf("an unknown counter: %q", errs)
	}
}

// TestFlushAndResetEveryServer uses servers of its own: flush_all would
// wipe other tests' keys. With two servers, each answer is labelled.
func TestFlushAndResetEveryServer(t *testing.T) {
	servers := []string{testenv.OwnMemcached(t).Addr, testenv.OwnMemcached(t).Addr}
	set(t, servers[0], "a", "1", 0)
	set(t, servers[1], "b", "2", 0)
	memcache.New(servers[1]).Get("b")

	out, _ := mc(t, servers, 0, "get", "b")
	if want := "== " + servers[0] + " ==\n(not found)\n== " + servers[1] + " ==\n2\n"; out != want {
		t.Errorf("mc get b printed %q, want %q", out, want)
	}
	out, _ = mc(t, servers, 0, "stats", "get_hits")
	if want := "== " + servers[0] + " ==\nget_hits=0\n== " + servers[1] + " ==\nget_hits=2\n"; out != want {
		t.Errorf("mc stats get_hits printed %q, want %q", out, want)
	}

	out, _ = mc(t, servers, 0, "reset")
	if want := "== " + servers[0] + " ==\nRESET\n== " + servers[1] + " ==\nRESET\n"; out != want {
		t.Errorf("mc reset printed %q", out)
	}
	out, _ = mc(t, servers, 0, "stats", "cmd_get", "get_hits")
	if want := "== " + servers[0] + " ==\ncmd_get=0 get_hits=0\n== " + servers[1] + " ==\ncmd_get=0 get_hits=0\n"; out != want {
		t.Errorf("after reset, mc stats printed %q", out)
	}

	out, _ = mc(t, servers, 0, "flush")
	if want := "== " + servers[0] + " ==\nOK\n== " + servers[1] + " ==\nOK\n"; out != want {
		t.Errorf("mc flush printed %q", out)
	}
	out, _ = mc(t, servers, 0, "keys")
	if want := "== " + servers[0] + " ==\n(no keys)\n== " + servers[1] + " ==\n(no keys)\n"; out != want {
		t.Errorf("after flush, mc keys printed %q", out)
	}
}

func TestBadCommandLines(t *testing.T) {
	unused := []string{"127.0.0.1:1"} // never dialled
	for _, args := range [][]string{
		nil, {"frobnicate"}, {"get"}, {"get", "a", "b"}, {"get", "has space"},
		{"get", strings.Repeat("k", 251)}, {"flush", "now"}, {"keys", "a", "b"},
	} {
		if _, errs := mc(t, unused, 2, args...); !strings.Contains(errs, "usage: mc") {
			t.Errorf("mc %q: stderr %q lacks the usage", args, errs)
		}
	}
	if out, _ := mc(t, unused, 0, "help"); !strings.HasPrefix(out, "usage: mc") {
		t.Errorf("mc help printed %q", out)
	}
}

func TestUnreachableServer(t *testing.T) {
	_, errs := mc(t, []string{"127.0.0.1:1"}, 1, "stats")
	if !strings.Contains(errs, "mc: 127.0.0.1:1:") {
		t.Errorf("stderr %q does not name the server", errs)
	}
}
