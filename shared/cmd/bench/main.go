// Command bench measures every chapter's task list page, side by side against
// real MySQL and memcached, as a share of the limit: one memcached get a page.
//
//	go run ./shared/cmd/bench            # or: make bench
//
// It builds each chapter, starts it on loopback with its own database (N
// tasks) and key prefix, once with the query at its real cost and once with
// TASKS_QUERY_DELAY, and drives GET / with concurrent keep-alive clients:
// with wrk when it is installed (a C load generator, far cheaper than the
// app, so it does not squeeze every server toward the same number), else
// with Go's HTTP client, and says which. Every server is driven once per
// round, in interleaved rounds, chapter by chapter and each between two
// drives of the limit; a chapter's ratio to the limit is the median of its
// per-round ratios to the limit's drives on either side. On Linux it also
// reports the app process's own CPU time per request, from /proc/PID/stat,
// which does not depend on the load generator, and the whole machine's. It
// writes a Markdown table and an SVG bar chart to -out.
//
// With -overload it runs the overload scenario instead (overload.go,
// docs/benchmarks/overload.md): 100 and 1000 connections, and the goals of
// a cache that stays on under overload.
package main

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	_ "github.com/go-sql-driver/mysql"

	"github.com/go-memcache-workshop/tasklist/shared/chapterapp"
	"github.com/go-memcache-workshop/tasklist/shared/database"
	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

var (
	tasks       = flag.Int("tasks", 200, "tasks in each chapter's database")
	concurrency = flag.Int("concurrency", 16, "concurrent clients")
	duration    = flag.Duration("duration", 2*time.Second, "how long to drive each server in each round (whole seconds with wrk)")
	rounds      = flag.Int("rounds", 9, "interleaved rounds: every server is driven once per round, each between two drives of the limit")
	useWrk      = flag.Bool("wrk", true, "drive load with wrk when it is installed")
	delays      = flag.String("delays", "0,20ms", "TASKS_QUERY_DELAY values to run, comma-separated")
	outDir      = flag.String("out", "bench-results", "folder for results.md and results.svg")
	benchmem    = flag.Bool("benchmem", true, "also run each chapter's BenchmarkListPage for bytes and allocations per request")
	only        = flag.String("only", "", "measure only the chapters whose folder matches this regular expression")
	overload    = flag.Bool("overload", false, "instead: drive chapters 04-09 and the limit with 100 and with 1000 connections (-rounds 3, -duration 10s unless set) and check the overload goals; writes overload.md")
	limitServer = flag.String("limit-server", "", "internal: serve the limit on this address (memcached servers and key follow as arguments)")
)

// row is one server's measurement: medians over the rounds.
type row struct {
	name                  string
	reqs                  int
	rps                   float64
	ratio                 float64 // to the limit's throughput in the same round
	cpuPerReq             time.Duration
	cpuRatio              float64   // to the limit's CPU per request in the same round
	ratios, cpuRatios     []float64 // per round, for the spread and for ratios between chapters
	machinePerReq         time.Duration
	p50, p99              time.Duration
	queriesPerReq         float64
	roundTripsPerReq      float64
	bytesPerReq, allocsPR string
}

// sample is one drive of one server.
type sample struct {
	reqs      int
	rps       float64
	cpuPerReq time.Duration // 0 where /proc is not there
	// machinePerReq is all the machine's busy CPU time per request: the
	// app's, the servers' and the load generator's.
	machinePerReq time.Duration
	p50, p99      time.Duration
	// What wrk counted besides answers (0 with Go's client).
	timeouts, connectErrs, readErrs, writeErrs, non2xx int
}

// load is how one drive loads a server.
type load struct {
	conns    int
	duration time.Duration
	timeout  time.Duration // wrk's --timeout; 0: its default, 2 s
}

// errNoAnswer is a drive in which the server answered no request.
var errNoAnswer = errors.New("no request was answered")

func main() {
	flag.Parse()
	log.SetFlags(0)
	if *limitServer != "" {
		serveLimit(*limitServer, flag.Arg(0), flag.Arg(1))
		return
	}
	if err := run(); err != nil {
		log.Fatalf("bench: %v", err)
	}
}

func run() error {
	ctx := context.Background()
	root, err := chapterapp.Root()
	if err != nil {
		return err
	}
	steps, err := filepath.Glob(filepath.Join(root, "step0[3-9]-*"))
	if err != nil || len(steps) == 0 {
		return fmt.Errorf("no chapters with a task list under %s", root)
	}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return fmt.Errorf("-only: %w", err)
		}
		steps = slices.DeleteFunc(steps, func(s string) bool { return !re.MatchString(filepath.Base(s)) })
	}
	if *overload { // chapter 03 has no cache to keep on
		steps = slices.DeleteFunc(steps, func(s string) bool { return filepath.Base(s) < "step04" })
	}

	log.Printf("starting MySQL and memcached…")
	adminDSN, mcServers, stop, err := testenv.StartServers(ctx)
	if err != nil {
		return err
	}
	defer stop()
	bin, err := os.MkdirTemp("", "bench-bin")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	for _, step := range steps {
		log.Printf("building %s", filepath.Base(step))
		if err := chapterapp.Build(step, filepath.Join(bin, filepath.Base(step))); err != nil {
			return err
		}
	}

	if *overload {
		return runOverload(ctx, adminDSN, mcServers, bin, steps)
	}
	allocs := map[string][2]string{}
	if *benchmem {
		for _, step := range steps {
			b, a, err := benchmarkAllocs(step, adminDSN, mcServers)
			if err != nil {
				return err
			}
			allocs[filepath.Base(step)] = [2]string{b, a}
		}
	}

	driver := "Go's net/http client, in a process of its own (wrk is not installed: it is cheaper, and makes the ratios more honest)"
	if _, err := exec.LookPath("wrk"); err == nil && *useWrk {
		driver = fmt.Sprintf("wrk, 1 thread, %d connections", *concurrency)
		if *duration < time.Second || *duration%time.Second != 0 {
			return fmt.Errorf("-duration %s: wrk drives whole seconds (1s, 2s, …)", *duration)
		}
	} else {
		*useWrk = false
	}
	log.Printf("load generator: %s", driver)

	// Start everything first, then drive it in interleaved rounds, so that
	// whatever else the machine does spreads over every server alike.
	var servers []*server
	defer func() {
		for _, srv := range servers {
			srv.stop()
		}
	}()
	var delayList []time.Duration
	for _, d := range strings.Split(*delays, ",") {
		delay, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return fmt.Errorf("-delays: %w", err)
		}
		delayList = append(delayList, delay)
		for _, step := range steps {
			name := filepath.Base(step)
			srv, err := startChapter(ctx, adminDSN, mcServers, filepath.Join(bin, name), name, delay, nil)
			if srv != nil {
				servers = append(servers, srv)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	limit, err := startLimit(mcServers, servers[len(servers)-1].page)
	if limit != nil {
		defer limit.stop()
	}
	if err != nil {
		return fmt.Errorf("limit: %w", err)
	}

	// Each chapter's runs are driven side by side, the slower query first,
	// so that the comparisons made below (a chapter with and without the
	// slow query; chapter 04 with it against chapter 03 without) are between
	// drives seconds apart, not half a minute.
	order := slices.Clone(servers)
	slices.SortStableFunc(order, func(a, b *server) int {
		return cmp.Or(strings.Compare(a.name, b.name), cmp.Compare(b.delay, a.delay))
	})
	for round := 1; round <= *rounds; round++ {
		log.Printf("round %d of %d", round, *rounds)
		// The limit is driven before the first server and after every one,
		// and each server's ratios are to the mean of the limit just before
		// and just after it: a shared VM's speed drifts by tens of percent
		// over a minute. (That takes out the drift, not the noise between
		// two drives, which the per-round range shows.) Each round starts
		// with another server, so that none is always first or last.
		prev, err := limit.drive(benchLoad())
		if err != nil {
			return err
		}
		for i := range order {
			srv := order[(i+round-1)%len(order)]
			if err := srv.measure(); err != nil {
				return fmt.Errorf("%s: %w", srv.name, err)
			}
			next, err := limit.drive(benchLoad())
			if err != nil {
				return err
			}
			got := srv.samples[len(srv.samples)-1]
			if ref := (prev.rps + next.rps) / 2; ref > 0 {
				srv.ratios = append(srv.ratios, got.rps/ref)
			}
			if ref := (prev.cpuPerReq + next.cpuPerReq) / 2; ref > 0 {
				srv.cpuRatios = append(srv.cpuRatios, float64(got.cpuPerReq)/float64(ref))
			}
			prev = next
		}
	}

	var report strings.Builder
	fmt.Fprintf(&report, "# Benchmark results\n\n%s\n", machine(mcServers, driver))
	var charts []chart
	limitRow := limit.row("limit: one memcached get")
	limitRow.ratio, limitRow.cpuRatio, limitRow.roundTripsPerReq = 1, 1, 1
	byName := map[string]row{}
	for _, delay := range delayList {
		var rows []row
		for _, srv := range servers {
			if srv.delay != delay {
				continue
			}
			r := srv.row(srv.name)
			r.bytesPerReq, r.allocsPR = allocs[srv.name][0], allocs[srv.name][1]
			rows = append(rows, r)
			byName[fmt.Sprintf("%s@%s", srv.name[:6], delay)] = r
		}
		rows = append(rows, limitRow)
		writeTable(&report, delay, rows)
		charts = append(charts, chart{delay: delay, rows: rows})
	}
	writeTargets(&report, byName)

	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*outDir, "results.md"), []byte(report.String()), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*outDir, "results.svg"), barChart(charts), 0o644); err != nil {
		return err
	}
	fmt.Print(report.String())
	log.Printf("wrote %s and %s", filepath.Join(*outDir, "results.md"), filepath.Join(*outDir, "results.svg"))
	return nil
}

// server is a chapter (or the limit) running in a process of its own.
type server struct {
	name, base string
	delay      time.Duration
	cmd        *exec.Cmd
	db         *sql.DB // the chapter's database, to count its queries
	page       []byte  // the warm page, for the limit to serve
	cleanup    []func()

	samples           []sample
	ratios, cpuRatios []float64
	queriesPerReq     float64
	roundTripsPerReq  float64
}

func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd.Wait()
	}
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
}

// benchLoad is the load of the bench's own drives.
func benchLoad() load { return load{conns: *concurrency, duration: *duration} }

// startChapter starts one chapter on its own database with the tasks, and
// warms every cache it has. Its log goes to logTo (nil: nowhere).
func startChapter(ctx context.Context, adminDSN, mcServers, binary, name string, delay time.Duration, logTo *os.File) (*server, error) {
	srv := &server{name: name, delay: delay}
	dbName := fmt.Sprintf("bench_%s_%d", strings.ReplaceAll(name[:6], "-", ""), delay.Milliseconds())
	if err := testenv.DropDatabase(ctx, adminDSN, dbName); err != nil {
		return nil, fmt.Errorf("the previous run's database: %w", err)
	}
	databaseURL, err := testenv.CreateDatabase(ctx, adminDSN, dbName)
	if err != nil {
		return nil, err
	}
	srv.cleanup = append(srv.cleanup, func() {
		if err := testenv.DropDatabase(ctx, adminDSN, dbName); err != nil {
			log.Printf("%v (drop it by hand)", err)
		}
	})
	addr, err := chapterapp.FreeAddr()
	if err != nil {
		return srv, err
	}
	srv.base = "http://" + addr
	srv.cmd = exec.Command(binary)
	srv.cmd.Env = append(os.Environ(),
		"ADDR="+addr,
		"DATABASE_URL="+databaseURL,
		"MEMCACHED_SERVERS="+mcServers,
		"CACHE_KEY_PREFIX="+fmt.Sprintf("bench-%s-%d-%d:", name[:6], delay.Milliseconds(), time.Now().UnixNano()),
		"TASKS_QUERY_DELAY="+delay.String(),
	)
	if logTo != nil {
		srv.cmd.Stdout, srv.cmd.Stderr = logTo, logTo
	}
	if err := srv.cmd.Start(); err != nil {
		return srv, err
	}
	if err := chapterapp.WaitHealthy(srv.base); err != nil {
		return srv, err
	}
	src, err := database.ParseURL(databaseURL)
	if err != nil {
		return srv, err
	}
	if srv.db, err = sql.Open("mysql", src.DSN); err != nil {
		return srv, err
	}
	srv.cleanup = append(srv.cleanup, func() { srv.db.Close() })
	for i := 1; i <= *tasks; i++ {
		if _, err := srv.db.ExecContext(ctx, "INSERT INTO tasks (name) VALUES (?)", fmt.Sprintf("Task number %d: something to do", i)); err != nil {
			return srv, err
		}
	}
	for range 3 { // warm every cache the chapter has
		if srv.page, err = fetch(srv.base + "/"); err != nil {
			return srv, err
		}
	}
	return srv, nil
}

// measure drives the chapter once and counts its queries and round trips.
func (s *server) measure() error {
	rtBefore, _ := roundTrips(s.page)
	selectsBefore, err := comSelect(s.db)
	if err != nil {
		return err
	}
	log.Printf("driving %s (TASKS_QUERY_DELAY=%s)", s.name, s.delay)
	got, err := s.drive(benchLoad())
	if err != nil {
		return err
	}
	selectsAfter, err := comSelect(s.db)
	if err != nil {
		return err
	}
	if s.page, err = fetch(s.base + "/"); err != nil {
		return err
	}
	if rtAfter, own := roundTrips(s.page); got.reqs > 0 && rtAfter >= 0 {
		s.roundTripsPerReq = float64(rtAfter-own-rtBefore) / float64(got.reqs)
	}
	if got.reqs > 0 {
		s.queriesPerReq = float64(selectsAfter-selectsBefore) / float64(got.reqs)
	}
	return nil
}

// drive loads the server once and records the sample.
func (s *server) drive(l load) (sample, error) {
	ticks, machineTicks := cpuTicks(s.cmd.Process.Pid), machineBusyTicks()
	var got sample
	if *useWrk {
		var err error
		if got, err = driveWrk(s.base+"/", l); err != nil {
			return got, err
		}
	} else {
		got = driveGo(s.base+"/", l)
	}
	if after := cpuTicks(s.cmd.Process.Pid); ticks >= 0 && after >= 0 && got.reqs > 0 {
		got.cpuPerReq = time.Duration(after-ticks) * clockTick / time.Duration(got.reqs)
	}
	if after := machineBusyTicks(); machineTicks >= 0 && after >= 0 && got.reqs > 0 {
		got.machinePerReq = time.Duration(after-machineTicks) * clockTick / time.Duration(got.reqs)
	}
	log.Printf("  %-20s %6.0f req/s  app %5d µs/req  machine %5d µs/req  p50 %v",
		fmt.Sprintf("%s@%s", s.name, s.delay), got.rps, got.cpuPerReq.Microseconds(), got.machinePerReq.Microseconds(), got.p50.Round(time.Microsecond))
	if got.reqs == 0 {
		return got, fmt.Errorf("driving %s: %w", s.name, errNoAnswer)
	}
	s.samples = append(s.samples, got)
	return got, nil
}

// machineBusyTicks is the CPU time every process on the machine has used
// (all of /proc/stat's "cpu" line but idle and iowait), or -1 where /proc
// is not there: the app, the load generator and the servers together.
func machineBusyTicks() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 8 || fields[0] != "cpu" {
		return -1
	}
	var busy int64
	for i, f := range fields[1:8] { // user nice system idle iowait irq softirq
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return -1
		}
		if i != 3 && i != 4 {
			busy += n
		}
	}
	return busy
}

// row is the server's medians over its samples.
func (s *server) row(name string) row {
	r := row{name: name, queriesPerReq: s.queriesPerReq, roundTripsPerReq: s.roundTripsPerReq}
	var rps, p50s, p99s, cpus, machine []float64
	for _, x := range s.samples {
		r.reqs += x.reqs
		rps = append(rps, x.rps)
		p50s = append(p50s, float64(x.p50))
		p99s = append(p99s, float64(x.p99))
		cpus = append(cpus, float64(x.cpuPerReq))
		machine = append(machine, float64(x.machinePerReq))
	}
	r.rps, r.ratio, r.cpuRatio, r.ratios, r.cpuRatios = median(rps), median(s.ratios), median(s.cpuRatios), s.ratios, s.cpuRatios
	r.p50, r.p99, r.cpuPerReq = time.Duration(median(p50s)), time.Duration(median(p99s)), time.Duration(median(cpus))
	r.machinePerReq = time.Duration(median(machine))
	return r
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	xs = slices.Sorted(slices.Values(xs))
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}

// clockTick is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuTicks is the user and system CPU time a process has used, in ticks,
// or -1 where /proc is not there.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name, in parentheses, may hold spaces: count from its end.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 13 {
		return -1
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return utime + stime
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in ([\d.]+)(\w+)`)
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkLatency  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)$`)
	wrkErrors   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)|Socket errors: .*`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// driveWrk runs wrk against target.
func driveWrk(target string, l load) (sample, error) {
	args := []string{"-t1", "-c" + strconv.Itoa(l.conns), fmt.Sprintf("-d%ds", int(l.duration.Seconds())), "--latency"}
	if l.timeout > 0 {
		args = append(args, fmt.Sprintf("--timeout=%ds", int(l.timeout.Seconds())))
	}
	out, err := exec.Command("wrk", append(args, target)...).CombinedOutput()
	if err != nil {
		return sample{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	var got sample
	if m := wrkSocket.FindSubmatch(out); m != nil {
		got.connectErrs, _ = strconv.Atoi(string(m[1]))
		got.readErrs, _ = strconv.Atoi(string(m[2]))
		got.writeErrs, _ = strconv.Atoi(string(m[3]))
		got.timeouts, _ = strconv.Atoi(string(m[4]))
	}
	if m := wrkNon2xx.FindSubmatch(out); m != nil {
		got.non2xx, _ = strconv.Atoi(string(m[1]))
	}
	if m := wrkRequests.FindSubmatch(out); m != nil {
		got.reqs, _ = strconv.Atoi(string(m[1]))
	}
	if m := wrkRate.FindSubmatch(out); m != nil {
		got.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	for _, m := range wrkLatency.FindAllSubmatch(out, -1) {
		d, _ := time.ParseDuration(string(m[2]) + strings.Replace(string(m[3]), "us", "µs", 1))
		if string(m[1]) == "50" {
			got.p50 = d
		} else {
			got.p99 = d
		}
	}
	for _, m := range wrkErrors.FindAll(out, -1) {
		log.Printf("  wrk: %s", m)
	}
	return got, nil
}

// driveGo sends GET requests from concurrent clients.
func driveGo(target string, l load) sample {
	transport := &http.Transport{MaxIdleConnsPerHost: l.conns, MaxConnsPerHost: l.conns, DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	start := time.Now()
	took := testenv.Concurrently(l.conns, l.duration, func(int, int) time.Duration {
		t0 := time.Now()
		resp, err := client.Get(target)
		if err != nil {
			return -1
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return -1
		}
		return time.Since(t0)
	})
	elapsed := time.Since(start)
	all := slices.DeleteFunc(took, func(d time.Duration) bool { return d < 0 })
	if n := len(took) - len(all); n > 0 {
		log.Printf("  %d failed requests", n)
	}
	slices.Sort(all)
	got := sample{reqs: len(all), rps: float64(len(all)) / elapsed.Seconds()}
	if len(all) > 0 {
		got.p50, got.p99 = all[len(all)/2], all[len(all)*99/100]
	}
	return got
}

// startLimit serves page from memcached with one get per request, in a
// process of its own like the chapters.
func startLimit(mcServers string, page []byte) (*server, error) {
	key := fmt.Sprintf("bench-limit-%d", time.Now().UnixNano())
	mc := memcache.New(strings.Split(mcServers, ",")...)
	if err := mc.Set(&memcache.Item{Key: key, Value: page}); err != nil {
		return nil, err
	}
	srv := &server{name: "the limit", cleanup: []func(){func() { mc.Delete(key) }}}
	self, err := os.Executable()
	if err != nil {
		return srv, err
	}
	addr, err := chapterapp.FreeAddr()
	if err != nil {
		return srv, err
	}
	srv.base = "http://" + addr
	srv.cmd = exec.Command(self, "-limit-server", addr, mcServers, key)
	srv.cmd.Stderr = os.Stderr
	if err := srv.cmd.Start(); err != nil {
		return srv, err
	}
	return srv, chapterapp.WaitHealthy(srv.base)
}

// serveLimit is the limit's process: one memcached get, then the bytes.
func serveLimit(addr, servers, key string) {
	mc := memcache.New(strings.Split(servers, ",")...)
	mc.MaxIdleConns = 64
	mc.Timeout = 250 * time.Millisecond
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		item, err := mc.Get(key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(item.Value)
	})
	log.Fatal(http.ListenAndServe(addr, mux))
}

// benchmarkAllocs runs a chapter's BenchmarkListPage against the same
// servers and returns its B/op and allocs/op.
func benchmarkAllocs(step, adminDSN, mcServers string) (string, string, error) {
	log.Printf("go test -bench BenchmarkListPage in %s", filepath.Base(step))
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkListPage$", "-benchmem", "-benchtime", "2000x", ".")
	cmd.Dir = step
	cmd.Env = append(os.Environ(), testenv.EnvMySQLDSN+"="+adminDSN, testenv.EnvMemcachedServers+"="+mcServers,
		"BENCH_TASKS="+strconv.Itoa(*tasks))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", "", fmt.Errorf("benchmark in %s: %w\n%s", step, err, out)
	}
	m := regexp.MustCompile(`(\d+) B/op\s+(\d+) allocs/op`).FindSubmatch(out)
	if m == nil {
		return "", "", fmt.Errorf("benchmark in %s printed no B/op:\n%s", step, out)
	}
	return string(m[1]), string(m[2]), nil
}

var totalRoundTrips = regexp.MustCompile(`data-stat="round_trips">(\d+)<`)

// roundTrips reads the page's cache panel: the round trips since start, and
// those of the request that fetched the page. -1 when there is no panel.
func roundTrips(page []byte) (total, own int) {
	m := totalRoundTrips.FindAllSubmatch(page, -1)
	if len(m) != 2 {
		return -1, 0
	}
	own, _ = strconv.Atoi(string(m[0][1]))
	total, _ = strconv.Atoi(string(m[1][1]))
	return total, own
}

// comSelect is MySQL's count of SELECT statements since it started.
func comSelect(db *sql.DB) (int64, error) {
	var name string
	var n int64
	err := db.QueryRow("SHOW GLOBAL STATUS LIKE 'Com_select'").Scan(&name, &n)
	return n, err
}

func fetch(target string) ([]byte, error) {
	resp, err := http.Get(target)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", target, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// host says what machine and servers the numbers come from.
func host(mcServers string) string {
	cpu := "unknown CPU"
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.+)`).FindSubmatch(info); m != nil {
			cpu = string(m[1])
		}
	}
	return fmt.Sprintf("Machine: %d cores (%s), %s, %s/%s. Servers: MySQL-compatible and memcached (%s) in local containers; the load generator, the servers and the app share the machine.",
		runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS, runtime.GOARCH, mcServers)
}

// machine describes where the numbers come from.
func machine(mcServers, driver string) string {
	return fmt.Sprintf("%s\n\n"+
		"Load: %s; %d concurrent keep-alive clients, GET / with %d tasks, %s per server per round, %d interleaved rounds (in each, chapter by chapter, the slower query first, and the limit before the first server and after every one). "+
		"Figures are medians over the rounds; × limit is the median of the ratios to the limit driven just before and just after, with the lowest and highest of them. "+
		"App CPU is the app process's own user+system time per request (/proc/PID/stat); machine CPU is every process's (the app, the servers, the load generator: /proc/stat). "+
		"App pools: MySQL 16 connections, memcached at most 64 connections per server (as many kept idle), CACHE_TIMEOUT 250ms.\n",
		host(mcServers), driver, *concurrency, *tasks, *duration, *rounds)
}

func writeTable(w io.Writer, delay time.Duration, rows []row) {
	fmt.Fprintf(w, "\n## TASKS_QUERY_DELAY=%s\n\n", delay)
	fmt.Fprintln(w, "| server | req/s | × limit (range) | app CPU/req | CPU × limit | machine CPU/req | p50 | p99 | DB queries/req | memcached round trips/req | B/req | allocs/req |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		cpu, cpuRatio, machine := "n/a", "n/a", "n/a"
		if r.cpuPerReq > 0 {
			cpu, cpuRatio = fmt.Sprintf("%d µs", r.cpuPerReq.Microseconds()), fmt.Sprintf("%.2f", r.cpuRatio)
		}
		if r.machinePerReq > 0 {
			machine = fmt.Sprintf("%d µs", r.machinePerReq.Microseconds())
		}
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %s | %s |\n",
			r.name, r.rps, withRange(r.ratio, r.ratios), cpu, cpuRatio, machine, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond),
			r.queriesPerReq, r.roundTripsPerReq, r.bytesPerReq, r.allocsPR)
	}
}

// spread is the lowest and highest of xs, or "n/a".
func spread(xs []float64) string {
	if len(xs) == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f–%.2f", slices.Min(xs), slices.Max(xs))
}

// withRange is a median with the lowest and highest of the values it is
// the median of, when there are several: how far one round can be off.
func withRange(m float64, xs []float64) string {
	if len(xs) < 2 {
		return fmt.Sprintf("%.2f", m)
	}
	return fmt.Sprintf("%.2f (%s)", m, spread(xs))
}

// writeTargets checks the goals docs/benchmarks.md quotes: a warm view-cache hit
// close to the limit, in throughput and in the app's own CPU, and a cached
// query that hides a 20 ms query completely.
func writeTargets(w io.Writer, rows map[string]row) {
	fmt.Fprint(w, "\n## Targets\n\n")
	check := func(what string, got, want float64, atLeast bool, xs ...float64) {
		met, op := got >= want, "≥"
		if !atLeast {
			met, op = got <= want, "≤"
		}
		// Three decimals: 0.849 is not met, and must not read as 0.85.
		fmt.Fprintf(w, "- %s: %.3f, rounds %s (goal %s %.2f): %s\n", what, got, spread(xs), op, want, mark(met))
	}
	if r, ok := rows["step08@0s"]; ok {
		check("step08 throughput × limit", r.ratio, 0.90, true, r.ratios...)
		if r.cpuRatio > 0 {
			check("step08 app CPU per request × limit", r.cpuRatio, 1.15, false, r.cpuRatios...)
		}
	}
	if r, ok := rows["step09@0s"]; ok {
		check("step09 throughput × limit", r.ratio, 0.85, true, r.ratios...)
		if r.cpuRatio > 0 {
			check("step09 app CPU per request × limit", r.cpuRatio, 1.25, false, r.cpuRatios...)
		}
	}
	if a, ok := rows["step04@20ms"]; ok {
		if b, ok := rows["step03@0s"]; ok && len(b.ratios) == len(a.ratios) {
			// Round by round: the two were driven in the same round.
			var xs []float64
			for i := range a.ratios {
				xs = append(xs, a.ratios[i]/b.ratios[i])
			}
			check("step04 with a 20 ms query ÷ step03 with none (throughput)", median(xs), 1.05, true, xs...)
		}
	}
}

// mark says whether a goal was met.
func mark(met bool) string {
	if met {
		return "met"
	}
	return "**not met**"
}
