// Command bench measures every chapter's task list page side by side, in one
// run, against real MySQL and memcached servers, and compares each with the
// limit: a server that answers with one memcached get of the same page.
//
//	go run ./shared/cmd/bench            # or: make bench
//
// It builds each chapter, starts it on loopback with its own database (N
// tasks) and key prefix, and drives GET / with concurrent keep-alive clients,
// once with the query at its real cost and once with TASKS_QUERY_DELAY. It
// writes a Markdown table and an SVG bar chart to -out.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	_ "github.com/go-sql-driver/mysql"

	"github.com/go-memcache-workshop/tasklist/shared/database"
	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

var (
	tasks       = flag.Int("tasks", 200, "tasks in each chapter's database")
	concurrency = flag.Int("concurrency", 16, "concurrent clients")
	duration    = flag.Duration("duration", 5*time.Second, "how long to drive each server")
	delays      = flag.String("delays", "0,20ms", "TASKS_QUERY_DELAY values to run, comma-separated")
	outDir      = flag.String("out", "bench-results", "folder for results.md and results.svg")
	benchmem    = flag.Bool("benchmem", true, "also run each chapter's BenchmarkListPage for bytes and allocations per request")
	only        = flag.String("only", "", "measure only the chapters whose folder matches this regular expression")
	limitServer = flag.String("limit-server", "", "internal: serve the limit on this address (memcached servers and key follow as arguments)")
)

// row is one server's measurement.
type row struct {
	name                  string
	reqs                  int
	rps                   float64
	p50, p99              time.Duration
	queriesPerReq         float64
	roundTripsPerReq      float64
	bytesPerReq, allocsPR string
}

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
	root, err := workspaceRoot()
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
		cmd := exec.Command("go", "build", "-o", filepath.Join(bin, filepath.Base(step)), ".")
		cmd.Dir, cmd.Stderr = step, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build %s: %w", step, err)
		}
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

	var report strings.Builder
	fmt.Fprintf(&report, "# Benchmark results\n\n%s\n", machine(mcServers))
	var charts []chart
	for _, d := range strings.Split(*delays, ",") {
		delay, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return fmt.Errorf("-delays: %w", err)
		}
		var rows []row
		var page []byte
		for _, step := range steps {
			name := filepath.Base(step)
			r, body, err := measureChapter(ctx, adminDSN, mcServers, filepath.Join(bin, name), name, delay)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			r.bytesPerReq, r.allocsPR = allocs[name][0], allocs[name][1]
			rows = append(rows, r)
			page = body // the last chapter's page is what the limit serves
		}
		limit, err := measureLimit(mcServers, page)
		if err != nil {
			return fmt.Errorf("limit: %w", err)
		}
		rows = append(rows, limit)
		writeTable(&report, delay, rows, limit.rps)
		charts = append(charts, chart{delay: delay, rows: rows, limit: limit.rps})
	}

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

// measureChapter starts one chapter on its own database and drives it.
func measureChapter(ctx context.Context, adminDSN, mcServers, binary, name string, delay time.Duration) (row, []byte, error) {
	dbName := fmt.Sprintf("bench_%s_%d", strings.ReplaceAll(name[:6], "-", ""), delay.Milliseconds())
	if err := testenv.DropDatabase(ctx, adminDSN, dbName); err != nil {
		return row{}, nil, fmt.Errorf("the previous run's database: %w", err)
	}
	databaseURL, err := testenv.CreateDatabase(ctx, adminDSN, dbName)
	if err != nil {
		return row{}, nil, err
	}
	defer func() {
		if err := testenv.DropDatabase(ctx, adminDSN, dbName); err != nil {
			log.Printf("%v (drop it by hand)", err)
		}
	}()

	addr, err := freeAddr()
	if err != nil {
		return row{}, nil, err
	}
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(),
		"ADDR="+addr,
		"DATABASE_URL="+databaseURL,
		"MEMCACHED_SERVERS="+mcServers,
		"CACHE_KEY_PREFIX="+fmt.Sprintf("bench-%s-%d-%d:", name[:6], delay.Milliseconds(), time.Now().UnixNano()),
		"TASKS_QUERY_DELAY="+delay.String(),
	)
	if err := cmd.Start(); err != nil { // its request log goes nowhere
		return row{}, nil, err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	base := "http://" + addr
	if err := waitHealthy(base); err != nil {
		return row{}, nil, err
	}
	src, err := database.ParseURL(databaseURL)
	if err != nil {
		return row{}, nil, err
	}
	db, err := sql.Open("mysql", src.DSN)
	if err != nil {
		return row{}, nil, err
	}
	defer db.Close()
	for i := 1; i <= *tasks; i++ {
		if _, err := db.ExecContext(ctx, "INSERT INTO tasks (name) VALUES (?)", fmt.Sprintf("Task number %d: something to do", i)); err != nil {
			return row{}, nil, err
		}
	}

	var body []byte
	for range 3 { // warm every cache the chapter has
		if body, err = fetch(base + "/"); err != nil {
			return row{}, nil, err
		}
	}
	rtBefore, _ := roundTrips(body)
	selectsBefore, err := comSelect(db)
	if err != nil {
		return row{}, nil, err
	}
	log.Printf("driving %s (TASKS_QUERY_DELAY=%s)", name, delay)
	r := drive(base + "/")
	r.name = name
	selectsAfter, err := comSelect(db)
	if err != nil {
		return row{}, nil, err
	}
	if body, err = fetch(base + "/"); err != nil {
		return row{}, nil, err
	}
	if rtAfter, own := roundTrips(body); r.reqs > 0 && rtAfter >= 0 {
		r.roundTripsPerReq = float64(rtAfter-own-rtBefore) / float64(r.reqs)
	}
	if r.reqs > 0 {
		r.queriesPerReq = float64(selectsAfter-selectsBefore) / float64(r.reqs)
	}
	return r, body, nil
}

// drive sends GET requests from concurrent clients for the set duration.
func drive(target string) row {
	transport := &http.Transport{MaxIdleConnsPerHost: *concurrency, MaxConnsPerHost: *concurrency, DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	deadline := time.Now().Add(*duration)
	latencies := make([][]time.Duration, *concurrency)
	errs := make([]int, *concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range *concurrency {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				t0 := time.Now()
				resp, err := client.Get(target)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = errors.New(resp.Status)
					}
				}
				if err != nil {
					errs[w]++
					continue
				}
				latencies[w] = append(latencies[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(latencies...)
	slices.Sort(all)
	r := row{reqs: len(all), rps: float64(len(all)) / elapsed.Seconds()}
	if len(all) > 0 {
		r.p50, r.p99 = all[len(all)/2], all[len(all)*99/100]
	}
	if n := sumInts(errs); n > 0 {
		log.Printf("  %d failed requests", n)
	}
	return r
}

// measureLimit serves page from memcached with one get per request, in a
// process of its own like the chapters, and drives it the same way.
func measureLimit(mcServers string, page []byte) (row, error) {
	key := fmt.Sprintf("bench-limit-%d", time.Now().UnixNano())
	mc := memcache.New(strings.Split(mcServers, ",")...)
	if err := mc.Set(&memcache.Item{Key: key, Value: page}); err != nil {
		return row{}, err
	}
	defer mc.Delete(key)
	self, err := os.Executable()
	if err != nil {
		return row{}, err
	}
	addr, err := freeAddr()
	if err != nil {
		return row{}, err
	}
	cmd := exec.Command(self, "-limit-server", addr, mcServers, key)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return row{}, err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	if err := waitHealthy("http://" + addr); err != nil {
		return row{}, err
	}
	log.Printf("driving the limit")
	r := drive("http://" + addr + "/")
	r.name, r.roundTripsPerReq, r.bytesPerReq, r.allocsPR = "limit: one memcached get", 1, "", ""
	return r, nil
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

func waitHealthy(base string) error {
	for range 100 {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not become healthy", base)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func workspaceRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the workshop (no go.work found)")
		}
		dir = parent
	}
}

func sumInts(xs []int) (n int) {
	for _, x := range xs {
		n += x
	}
	return n
}

// machine describes where the numbers come from.
func machine(mcServers string) string {
	cpu := "unknown CPU"
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.+)`).FindSubmatch(info); m != nil {
			cpu = string(m[1])
		}
	}
	return fmt.Sprintf("Machine: %d cores (%s), %s, %s/%s. Servers: MySQL-compatible and memcached (%s) in local containers; the load generator, the servers and the app share the machine.\n\n"+
		"Load: %d concurrent keep-alive clients for %s per row, GET / with %d tasks. App pools: MySQL 16 connections, memcached 64 idle connections per server, CACHE_TIMEOUT 250ms.\n",
		runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS, runtime.GOARCH, mcServers, *concurrency, *duration, *tasks)
}

func writeTable(w io.Writer, delay time.Duration, rows []row, limit float64) {
	fmt.Fprintf(w, "\n## TASKS_QUERY_DELAY=%s\n\n", delay)
	fmt.Fprintln(w, "| server | req/s | × limit | p50 | p99 | DB queries/req | memcached round trips/req | B/req | allocs/req |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %.0f | %.2f | %s | %s | %.2f | %.2f | %s | %s |\n",
			r.name, r.rps, r.rps/limit, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond),
			r.queriesPerReq, r.roundTripsPerReq, r.bytesPerReq, r.allocsPR)
	}
}
