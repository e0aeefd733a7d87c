// Package observe replays a chapter's "What you will observe" scenario
// against its real app, and writes the transcript that its README shows.
//
// From chapter 04 on, with a real memcached, a transcript shows each step's
// counters from the page's cache panel, X-Cache where the chapter has a view
// cache, memcached's own counters, and key listings; chapters 01 to 03, which
// have no cache, show the app's log and curl's output (terminal.go). What
// changes from run to run (log times, durations, times to expiry, session
// tokens, ETags, ports) is normalised or left out, so that the same chapter
// always prints the same bytes. The observe command prints a transcript; the
// package's test checks that every chapter's README shows exactly that.
package observe

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/chapterapp"
	"github.com/go-memcache-workshop/tasklist/shared/memcachedtext"
)

// KeyPrefix is the CACHE_KEY_PREFIX the chapters' "Run it" sections use.
const KeyPrefix = "workshop:"

// Config says what a scenario runs against.
type Config struct {
	Binary    string   // the chapter's app, built
	Memcached string   // one memcached's host:port, emptied and its counters zeroed first
	Log       *os.File // where the app's log goes; nil: nowhere
}

// scenario plays one chapter's steps.
type scenario func(r *run)

var scenarios = map[int]scenario{
	4: chapter04,
	5: chapter05,
	6: chapter06,
	7: chapter07,
	8: chapter08,
	9: chapter09,
}

// Chapters returns the numbers of the chapters that have a scenario.
func Chapters() []int {
	chapters := slices.AppendSeq(slices.Collect(maps.Keys(terminals)), maps.Keys(scenarios))
	slices.Sort(chapters)
	return chapters
}

// UsesMemcached says whether chapter's scenario needs Config.Memcached:
// chapters 01 to 03 have no cache.
func UsesMemcached(chapter int) bool {
	_, ok := scenarios[chapter]
	return ok
}

// Run plays chapter's scenario and writes its transcript to out. It starts
// the app with a new SQLite file in a temporary folder and, from chapter 04
// on, the cache key prefix of the README and cfg.Memcached, emptied and its
// counters zeroed first (the transcript's first lines say so).
func Run(chapter int, cfg Config, out io.Writer) error {
	if play, ok := terminals[chapter]; ok {
		return runTerminal(chapter, play, cfg, out)
	}
	play, ok := scenarios[chapter]
	if !ok {
		return fmt.Errorf("chapter %02d has no scenario to observe", chapter)
	}
	dir, err := os.MkdirTemp("", "observe")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	var transcript bytes.Buffer
	r := &run{out: &transcript, memcached: cfg.Memcached, width: 17}
	for _, command := range []string{"flush", "reset"} {
		r.mc(command)
	}
	if r.err != nil {
		return r.err
	}
	env := append(appEnvironment(), // dir holds no .env, so none is read
		"DATABASE_URL=sqlite:"+filepath.Join(dir, "task_list.db"),
		"MEMCACHED_SERVERS="+cfg.Memcached,
		"CACHE_KEY_PREFIX="+KeyPrefix,
	)
	app, err := chapterapp.Start(cfg.Binary, dir, env, cfg.Log)
	if err != nil {
		return err
	}
	defer app.Stop()
	r.base = app.Base
	play(r)
	if r.err != nil {
		return fmt.Errorf("chapter %02d: %w\ntranscript so far:\n%s", chapter, r.err, transcript.String())
	}
	_, err = out.Write(transcript.Bytes())
	return err
}

// appEnvironment is this process's environment without the variables the
// app reads, so that a reader's settings (a .env exported, a MemCachier
// account) do not change the scenario.
func appEnvironment() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "MEMCACHED_"), strings.HasPrefix(name, "MEMCACHIER_"),
			strings.HasPrefix(name, "CACHE_"), strings.HasPrefix(name, "SESSION_"):
		case name == "ADDR", name == "PORT", name == "DATABASE_URL", name == "TASKS_QUERY_DELAY":
		default:
			env = append(env, kv)
		}
	}
	return env
}

// run is one scenario under way. Its first error stops every later step.
type run struct {
	out       io.Writer
	base      string // the app's URL
	memcached string
	width     int // of the step labels
	err       error
}

func (r *run) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// line writes a step: its label, padded, and what it showed.
func (r *run) line(label, text string) {
	if r.err == nil {
		fmt.Fprintf(r.out, "%-*s%s\n", r.width, label, strings.TrimRight(text, " "))
	}
}

// note writes a line of its own, such as a heading for what follows.
func (r *run) note(text string) {
	if r.err == nil {
		fmt.Fprintln(r.out, text)
	}
}

// browser is one visitor, with cookies of its own. It does not follow
// redirects by itself, so that each step shows what one request did.
type browser struct {
	client *http.Client
}

func newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{client: &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is one response.
type page struct {
	status int
	header http.Header
	body   string
}

func (r *run) do(b *browser, req *http.Request) page {
	if r.err != nil {
		return page{}
	}
	resp, err := b.client.Do(req)
	if err != nil {
		r.fail(err)
		return page{}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		r.fail(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// get loads path, as a browser's reload does.
func (r *run) get(b *browser, path string, header ...string) page {
	req, err := http.NewRequest(http.MethodGet, r.base+path, nil)
	if err != nil {
		r.fail(err)
		return page{}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	p := r.do(b, req)
	if r.err == nil && p.status != http.StatusOK && p.status != http.StatusNotModified {
		r.fail(fmt.Errorf("GET %s: %d", path, p.status))
	}
	return p
}

// add submits the form with a task's name and returns the answer, a 303
// to / when the task was stored.
func (r *run) add(b *browser, name string) page {
	req, err := http.NewRequest(http.MethodPost, r.base+"/", strings.NewReader(url.Values{"name": {name}}.Encode()))
	if err != nil {
		r.fail(err)
		return page{}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	p := r.do(b, req)
	if r.err == nil && p.status != http.StatusSeeOther {
		r.fail(fmt.Errorf("add %q: %d", name, p.status))
	}
	return p
}

// addAll adds tasks and writes one line for them.
func (r *run) addAll(b *browser, names ...string) {
	for _, name := range names {
		r.add(b, name)
	}
	quoted := make([]string, len(names))
	for i, name := range names {
		quoted[i] = strconv.Quote(name)
	}
	r.line("added", strings.Join(quoted, ", "))
}

var stat = regexp.MustCompile(`data-stat="([a-z_]+)">(\d+)<`)

// panel returns this request's counters from the page's cache panel: the
// first seven data-stat values (the next seven are the totals since start).
func (p page) panel() (string, error) {
	m := stat.FindAllStringSubmatch(p.body, -1)
	if len(m) != 14 {
		return "", fmt.Errorf("the page has %d cache counters, want 7 for the request and 7 totals", len(m))
	}
	fields := make([]string, 7)
	for i := range fields {
		fields[i] = m[i][1] + "=" + m[i][2]
	}
	return "page: " + strings.Join(fields, " "), nil
}

func (r *run) panel(p page) string {
	s, err := p.panel()
	if err != nil && p.status == http.StatusOK {
		r.fail(err)
	}
	return s
}

var taskName = regexp.MustCompile(`<td class="name">(.*?)</td>`)

// tasks returns the names the page lists, in order.
func (p page) tasks() string {
	var names []string
	for _, m := range taskName.FindAllStringSubmatch(p.body, -1) {
		names = append(names, html.UnescapeString(m[1]))
	}
	return "tasks: " + strings.Join(names, ",")
}

var flash = regexp.MustCompile(`<div class="alert info" role="status">(.*?)</div>`)

// flash returns the page's flash message, or "-".
func (p page) flash() string {
	if m := flash.FindStringSubmatch(p.body); m != nil {
		return html.UnescapeString(m[1])
	}
	return "-"
}

// xCache returns the X-Cache header, padded so that HIT and MISS line up.
func (p page) xCache() string {
	return fmt.Sprintf("X-Cache: %-4s", p.header.Get("X-Cache"))
}

// withMemcached runs f on a connection to the memcached under observation.
func (r *run) withMemcached(f func(c *memcachedtext.Conn) error) {
	if r.err != nil {
		return
	}
	c, err := memcachedtext.Dial(r.memcached, "", 10*time.Second)
	if err != nil {
		r.fail(fmt.Errorf("memcached %s: %w", r.memcached, err))
		return
	}
	defer c.Close()
	r.fail(f(c))
}

// stats writes memcached's counters, named, on a line of their own.
func (r *run) stats(names ...string) {
	r.withMemcached(func(c *memcachedtext.Conn) error {
		var b strings.Builder
		if err := memcachedtext.PrintStats(c, names, &b); err != nil {
			return err
		}
		r.line("", "memcached: "+strings.TrimSpace(b.String()))
		return nil
	})
}

// mc runs one of mc's commands without arguments (flush, reset) and writes
// it as the reader would type it, with its answer.
func (r *run) mc(command string) {
	r.withMemcached(func(c *memcachedtext.Conn) error {
		reply, err := c.Simple(map[string]string{"flush": "flush_all", "reset": "stats reset"}[command])
		if err == nil {
			r.note("$ go run ./shared/cmd/mc " + command + "\n" + reply)
		}
		return err
	})
}

// delete drops one key, as `mc delete KEY` does.
func (r *run) delete(key string) {
	r.withMemcached(func(c *memcachedtext.Conn) error {
		var b strings.Builder
		if err := memcachedtext.DeleteKey(c, key, &b); err != nil {
			return fmt.Errorf("delete %s: %w", key, err)
		}
		r.note("$ go run ./shared/cmd/mc delete " + key + "\n" + strings.TrimSpace(b.String()))
		return nil
	})
}

// settledItems lists the server's items until two listings in a row agree
// and hold something: a memcached that has just started sometimes answers
// its first metadump with no items, though a get finds them.
func settledItems(c *memcachedtext.Conn) ([]memcachedtext.Item, error) {
	var last []memcachedtext.Item
	for try := 0; ; try++ {
		items, err := c.Items()
		if err != nil {
			return nil, err
		}
		if len(items) > 0 && slices.Equal(items, last) || try == 30 {
			return items, nil
		}
		last = items
		time.Sleep(100 * time.Millisecond)
	}
}

// keys lists the keys under prefix as `mc keys PREFIX` does, with each
// time to expiry rounded to the minute (a listing a second after a set
// would say 4m59s), and every key passed through normalise.
func (r *run) keys(prefix string, normalise func(string) string) {
	r.withMemcached(func(c *memcachedtext.Conn) error {
		items, err := settledItems(c)
		if err != nil {
			return err
		}
		now, err := c.Time()
		if err != nil {
			return err
		}
		for i, it := range items {
			if it.Exp > now {
				items[i].Exp = now + (it.Exp-now+30)/60*60
			}
			if normalise != nil {
				items[i].Key = normalise(it.Key)
			}
		}
		var b strings.Builder
		memcachedtext.WriteKeys(&b, items, prefix, now)
		r.note("$ go run ./shared/cmd/mc keys " + prefix + "\n" + strings.TrimSuffix(b.String(), "\n"))
		return nil
	})
}
