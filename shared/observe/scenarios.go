package observe

import (
	"fmt"
	"regexp"
)

// The tasks of chapters 04 to 06, and the third one added after the first loads.
var firstTwo, third = []string{"Write the skeleton", "Add a database"}, "Cache the query"

// The five tasks of chapters 07 and 08, and the sixth.
var firstFive, sixth = []string{"Write the skeleton", "Add a database", "Cache the query", "Invalidate on writes", "Memoize the query"}, "Cache the rows"

// queryCache is the scenario of chapters 04 to 06: two adds, load, reload,
// a third add, load, reload; with memcached's counters named in stats.
func queryCache(r *run, stats []string, keys bool) {
	b := newBrowser()
	r.addAll(b, firstTwo...)
	r.stats(stats...)
	for _, label := range []string{"first load", "reload"} {
		p := r.get(b, "/")
		r.line(label, r.panel(p)+"   "+p.tasks())
		r.stats(stats...)
	}
	r.addAll(b, third)
	r.stats(stats...)
	for _, label := range []string{"load after add", "reload"} {
		p := r.get(b, "/")
		r.line(label, r.panel(p)+"   "+p.tasks())
		r.stats(stats...)
	}
	if keys {
		r.keys(KeyPrefix, nil)
	}
}

var getsAndSets = []string{"cmd_get", "cmd_set", "get_hits", "get_misses"}
var getsSetsDeletes = []string{"cmd_get", "cmd_set", "get_hits", "get_misses", "delete_misses", "delete_hits"}

func chapter04(r *run) { queryCache(r, getsAndSets, true) }
func chapter05(r *run) { queryCache(r, getsSetsDeletes, false) }
func chapter06(r *run) { queryCache(r, getsSetsDeletes, true) }

// chapter07: five tasks, a cold load and reloads, a sixth task, and the
// keys: the list, its version and one row per task.
func chapter07(r *run) {
	b := newBrowser()
	load := func(label string) {
		r.line(label, r.panel(r.get(b, "/")))
		r.stats(getsAndSets...)
	}
	r.addAll(b, firstFive...)
	r.stats(getsAndSets...)
	load("cold load")
	load("reload")
	load("reload")
	r.addAll(b, sixth)
	r.stats(getsAndSets...)
	load("load after add")
	load("reload")
	r.keys(KeyPrefix, nil)
}

var etag = regexp.MustCompile(`^W/"[0-9a-f]{24}"$`)

// chapter08: chapter 07's run with the page cached: five tasks, loads, the
// page dropped from memcached by hand, a sixth task, and a conditional
// request.
func chapter08(r *run) {
	b := newBrowser()
	load := func(label string) page {
		p := r.get(b, "/")
		r.line(label, p.xCache()+" "+r.panel(p))
		r.stats(getsAndSets...)
		return p
	}
	r.addAll(b, firstFive...)
	r.stats(getsAndSets...)
	load("cold load")
	load("reload")
	load("reload")
	r.delete(KeyPrefix + "view//")
	load("view miss")
	load("reload")
	r.addAll(b, sixth)
	r.stats(getsAndSets...)
	load("load after add")
	p := load("reload")

	tag := p.header.Get("ETag")
	if r.err == nil && !etag.MatchString(tag) {
		r.fail(fmt.Errorf("ETag %q is not a weak tag of 24 hex digits", tag))
	}
	r.note(`ETag: W/"<24 hex digits: a hash of the page without its panel>"`)
	again := r.get(b, "/", "If-None-Match", tag)
	r.line("If-None-Match", fmt.Sprintf("%d %s %s", again.status, again.xCache(), r.panel(again)))
	r.stats(getsAndSets...)
}

var (
	sessionCookie = regexp.MustCompile(`^session=[A-Za-z0-9_-]{20,};`)
	sessionKey    = regexp.MustCompile(`^(` + KeyPrefix + `session:)[0-9a-f]{64}$`)
)

// chapter09: two browsers, Bob only reading, Alice adding a task; her flash,
// the session behind it, and the view cache that Bob keeps hitting.
func chapter09(r *run) {
	r.width = 22
	alice, bob := newBrowser(), newBrowser()
	load := func(who string, b *browser, label string) {
		p := r.get(b, "/")
		r.line(who+"  "+label, fmt.Sprintf("%d %s flash: %-22s %s", p.status, p.xCache(), p.flash(), r.panel(p)))
	}
	load("bob  ", bob, "load")
	load("bob  ", bob, "reload")

	added := r.add(alice, "Try sessions")
	cookie := added.header.Get("Set-Cookie")
	if r.err == nil && !sessionCookie.MatchString(cookie) {
		r.fail(fmt.Errorf("the add set the cookie %q", cookie))
	}
	cookie = sessionCookie.ReplaceAllString(cookie, "session=<token>;")
	r.line("alice  add", fmt.Sprintf("%d Location: %s", added.status, added.header.Get("Location")))
	r.line("", "Set-Cookie: "+cookie)
	r.keys(KeyPrefix+"session:", func(key string) string {
		return sessionKey.ReplaceAllString(key, "${1}<sha256 of the token>")
	})
	load("alice", alice, "redirect")
	load("bob  ", bob, "load")
	load("bob  ", bob, "reload")
	load("alice", alice, "reload")
	load("alice", alice, "reload")
}
