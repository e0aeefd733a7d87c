package observe

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/chapterapp"
)

// Chapters 01 to 03 have no cache to watch: what their READMEs show is two
// terminals, the one where the app runs (its log, from start to Ctrl-C) and
// another one where the reader sends requests with curl. Their scenarios
// start the app, send curl's requests, print what came back as curl -i
// does (but for the headers' order), and stop the app with SIGINT, as the
// Ctrl-C does.

// terminals are the scenarios of the chapters without a cache.
var terminals = map[int]func(t *terminal){
	1: chapter01,
	2: chapter02,
	3: chapter03,
}

// readerAddr is where the README's "Run it" listens (no ADDR, no PORT): the
// app's log shows it in place of the free loopback port the scenario uses.
const readerAddr = "[::]:8080"

// terminal is one scenario of chapters 01 to 03 under way: what the app's
// terminal shows, what the other terminal shows, and the app running now.
type terminal struct {
	binary, dir string
	env         []string
	logTo       *os.File
	app, other  strings.Builder
	otherLabel  string // what the line before the other terminal says
	running     *process
	err         error
}

func (t *terminal) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

// transcript is the app's terminal, then the other one.
func (t *terminal) transcript() string {
	return t.app.String() + "\n# " + t.otherLabel + ":\n" + t.other.String()
}

func runTerminal(chapter int, play func(*terminal), cfg Config, out io.Writer) error {
	dir, err := os.MkdirTemp("", "observe")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	t := &terminal{
		binary:     cfg.Binary,
		dir:        dir, // it holds no .env, so none is read
		env:        append(appEnvironment(), "DATABASE_URL=sqlite:"+filepath.Join(dir, "task_list.db")),
		logTo:      cfg.Log,
		otherLabel: "meanwhile, in another terminal",
	}
	play(t)
	if t.running != nil { // a scenario that failed half-way
		t.running.kill()
	}
	if t.err != nil {
		return fmt.Errorf("chapter %02d: %w\ntranscript so far:\n%s", chapter, t.err, t.transcript())
	}
	_, err = io.WriteString(out, t.transcript())
	return err
}

// process is the app, started by the terminal. Its log lines, normalised,
// arrive on lines, which is closed once it has ended and err is set.
type process struct {
	cmd   *exec.Cmd
	addr  string // where it listens
	lines chan string
	seen  []string // the lines read so far
	ended bool     // lines is closed
	err   error    // from Wait
}

var (
	logTime  = regexp.MustCompile(`^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} `)
	duration = regexp.MustCompile(`\bduration=\S+`)
)

// normalise leaves out what changes from run to run: the log's time, a
// request's duration, and the free port in place of 8080.
func (p *process) normalise(line string) string {
	line = logTime.ReplaceAllString(line, "")
	line = duration.ReplaceAllString(line, "duration=…")
	return strings.ReplaceAll(line, p.addr, readerAddr)
}

// launch runs the app with the extra environment variables env, on a free
// loopback port, and collects what it writes to stdout and stderr.
func (t *terminal) launch(env []string) *process {
	if t.err != nil {
		return nil
	}
	addr, err := chapterapp.FreeAddr()
	if err != nil {
		t.fail(err)
		return nil
	}
	// Room for far more lines than the app logs between two reads (a step
	// sends one request and reads its line); were it full, the app would
	// block on its own log and the step would time out.
	p := &process{addr: addr, lines: make(chan string, 1000)}
	p.cmd = exec.Command(t.binary)
	p.cmd.Dir = t.dir
	p.cmd.Env = append(append(t.env[:len(t.env):len(t.env)], env...), "ADDR="+addr)
	out, err := p.cmd.StdoutPipe()
	if err == nil {
		p.cmd.Stderr = p.cmd.Stdout
		err = p.cmd.Start()
	}
	if err != nil {
		t.fail(err)
		return nil
	}
	go func() {
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			if t.logTo != nil {
				fmt.Fprintln(t.logTo, lines.Text())
			}
			p.lines <- p.normalise(lines.Text())
		}
		p.err = p.cmd.Wait()
		close(p.lines)
	}()
	return p
}

// read reads the app's lines until one starts with prefix or, with prefix
// "", until the app has ended; for at most timeout.
func (p *process) read(prefix string, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-p.lines:
			switch {
			case !ok && prefix == "":
				p.ended = true
				return nil
			case !ok:
				p.ended = true
				return fmt.Errorf("the app ended (%v) without logging %q:\n%s", p.err, prefix, strings.Join(p.seen, "\n"))
			}
			p.seen = append(p.seen, line)
			if prefix != "" && strings.HasPrefix(line, prefix) {
				return nil
			}
		case <-deadline:
			return fmt.Errorf("the app did not log %q within %v:\n%s", prefix, timeout, strings.Join(p.seen, "\n"))
		}
	}
}

// kill ends the app now.
func (p *process) kill() {
	p.cmd.Process.Kill()
	for range p.lines {
	}
}

// start types command in the app's terminal and runs the app, with the
// extra environment variables env, until it logs that it listens. An app
// that stops by itself before that (a setting that cannot work) shows its
// log and its exit status at once.
func (t *terminal) start(command string, env ...string) {
	p := t.launch(env)
	if p == nil {
		return
	}
	fmt.Fprintf(&t.app, "$ %s\n", command)
	err := p.read("INFO listening addr=", 10*time.Second)
	if !p.ended {
		t.running = p
		if err != nil {
			t.fail(err)
		}
		return
	}
	for _, line := range p.seen {
		fmt.Fprintln(&t.app, line)
	}
	if p.err == nil {
		t.fail(fmt.Errorf("%s: the app stopped without an error", command))
	}
	t.exitStatus(p)
}

// interrupt presses Ctrl-C in the app's terminal: SIGINT, then the app's
// log up to its end. A clean stop adds nothing else, as with go run.
func (t *terminal) interrupt() {
	p := t.running
	if p == nil || t.err != nil {
		return
	}
	t.running = nil
	for len(p.lines) > 0 { // every request's line is in: curl waited for it
		p.seen = append(p.seen, <-p.lines)
	}
	before := len(p.seen)
	p.cmd.Process.Signal(syscall.SIGINT)
	if err := p.read("", 15*time.Second); err != nil {
		p.kill()
		t.fail(errors.New("the app did not stop within 15 s of SIGINT"))
		return
	}
	fmt.Fprintln(&t.app, strings.Join(slices.Insert(p.seen, before, "^C"), "\n"))
	t.exitStatus(p)
}

// exitStatus writes what go run writes when the program fails.
func (t *terminal) exitStatus(p *process) {
	var exit *exec.ExitError
	switch {
	case p.err == nil:
	case errors.As(p.err, &exit) && exit.ExitCode() > 0:
		fmt.Fprintf(&t.app, "exit status %d\n", exit.ExitCode())
	default:
		t.fail(fmt.Errorf("the app: %w", p.err))
	}
}

// request is one of curl's requests.
type request struct {
	method, path string
	header       []string // "Name: value", as curl's -H takes them
	body         []byte   // with curl's -d or --data-binary
}

// client sends curl's requests: like curl, it does not follow redirects.
var client = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// curl types command in the other terminal, sends req, and writes what came
// back as curl does (withHead: with -i, the status line and the headers,
// here in name order and with Date's value left out, then a blank line),
// passed through the command's pipe, if any (nil: as it is). It waits for
// the app's log line of the request, so that the app's terminal shows it
// before a Ctrl-C.
func (t *terminal) curl(command string, req request, withHead bool, pipe func([]string) []string) {
	if t.err != nil {
		return
	}
	if t.running == nil {
		t.fail(fmt.Errorf("%s: no app is running", command))
		return
	}
	lines, err := send(t.running.addr, req, withHead)
	if err != nil {
		t.fail(fmt.Errorf("%s: %w", command, err))
		return
	}
	if err := t.running.read("INFO request method="+req.method+" path="+req.path+" ", 10*time.Second); err != nil {
		t.fail(err)
		return
	}
	if pipe != nil {
		lines = pipe(lines)
	}
	fmt.Fprintf(&t.other, "$ %s\n", command)
	for _, line := range lines {
		fmt.Fprintln(&t.other, line)
	}
}

// send sends req to addr and returns curl's lines of the response.
func send(addr string, req request, withHead bool) ([]string, error) {
	r, err := http.NewRequest(req.method, "http://"+addr+req.path, bytes.NewReader(req.body))
	if err != nil {
		return nil, err
	}
	for _, h := range req.header {
		name, value, _ := strings.Cut(h, ": ")
		r.Header.Set(name, value)
	}
	if req.body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	defer client.CloseIdleConnections() // a connection per command, as curl's
	resp, err := client.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var lines []string
	if withHead {
		if resp.Header.Get("Date") != "" {
			resp.Header.Set("Date", "…")
		}
		var head strings.Builder
		resp.Header.Write(&head)
		lines = append(lines, resp.Proto+" "+resp.Status)
		lines = append(lines, strings.Split(strings.ReplaceAll(head.String(), "\r\n", "\n"), "\n")...) // ends with ""
	}
	if len(body) > 0 {
		lines = append(lines, strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")...)
	}
	return lines, nil
}

// head is `| head -n`.
func head(n int) func([]string) []string {
	return func(lines []string) []string { return lines[:min(n, len(lines))] }
}

// grep is `| grep -E pattern`.
func grep(pattern string) func([]string) []string {
	re := regexp.MustCompile(pattern)
	return func(lines []string) []string {
		var kept []string
		for _, line := range lines {
			if re.MatchString(line) {
				kept = append(kept, line)
			}
		}
		return kept
	}
}

func get(path string) request { return request{method: "GET", path: path} }

// chapter01: the README's two curl commands, then Ctrl-C.
func chapter01(t *terminal) {
	t.start("go run ./step01-skeleton")
	t.curl("curl -i localhost:8080/healthz", get("/healthz"), true, nil)
	t.curl("curl -i localhost:8080/", get("/"), true, nil)
	t.interrupt()
}

// chapter02: a first start that migrates a new database, a second one that
// has nothing to migrate and answers /healthz, and two settings that stop
// the app before it listens.
func chapter02(t *terminal) {
	t.otherLabel = "meanwhile, in another terminal, during the second run"
	t.start("go run ./step02-database")
	t.interrupt()
	t.start("go run ./step02-database")
	t.curl("curl -i localhost:8080/healthz", get("/healthz"), true, nil)
	t.interrupt()
	const unreachable = "DATABASE_URL=mysql://u:hunter2@127.0.0.1:1/tasks"
	t.start(unreachable+" go run ./step02-database", unreachable)
	const unknown = "DATABASE_URL=postgres://x/y"
	t.start(unknown+" go run ./step02-database", unknown)
}

// chapter03: on a new database, two adds, an empty name, a cross-origin
// post, a form too large, a delete done twice, an id that is no number,
// and the list that is left.
func chapter03(t *terminal) {
	add := func(name string) request {
		return request{method: "POST", path: "/", body: []byte("name=" + name)}
	}
	t.start("go run ./step03-tasklist")
	t.curl("curl -si -d 'name=Write the skeleton' localhost:8080/ | grep -E 'HTTP|Location'",
		add("Write the skeleton"), true, grep(`HTTP|Location`))
	t.curl("curl -si -d 'name=Add a database' localhost:8080/ | grep -E 'HTTP|Location'",
		add("Add a database"), true, grep(`HTTP|Location`))
	t.curl("curl -si -d 'name=   ' localhost:8080/ | grep -E 'HTTP|alert'",
		add("   "), true, grep(`HTTP|alert`))
	hacked := add("hacked")
	hacked.header = []string{"Origin: https://evil.example"}
	t.curl("curl -si -H 'Origin: https://evil.example' -d name=hacked localhost:8080/ | grep -E 'HTTP|detected'",
		hacked, true, grep(`HTTP|detected`))
	t.curl("head -c 100000 /dev/zero | curl -si --data-binary @- localhost:8080/ | head -1",
		request{method: "POST", path: "/", body: make([]byte, 100000)}, true, head(1))
	for range 2 {
		t.curl("curl -si -X POST localhost:8080/2/delete | head -1",
			request{method: "POST", path: "/2/delete"}, true, head(1))
	}
	t.curl("curl -si -X POST localhost:8080/two/delete | head -1",
		request{method: "POST", path: "/two/delete"}, true, head(1))
	t.curl(`curl -s localhost:8080/ | grep 'class="name"'`, get("/"), false, grep(`class="name"`))
	t.interrupt()
}
