package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The overload run (-overload, issue 22): each cached chapter, and the
// limit for reference, driven by wrk with normal and with far too many
// connections, the query at its real cost, and held to the goals below.
const (
	normalConns, overConns = 100, 1000
	wrkTimeout             = 5 * time.Second

	goalRatio    = 0.70 // req/s at overConns ÷ req/s at normalConns, at least
	goalMySQL    = 0.01 // all-tasks queries ÷ requests answered, at most
	goalWarnings = 1000 // warning lines in one drive, fewer than
)

// overloadDrive is one drive of one server in the overload run.
type overloadDrive struct {
	sample
	// queries is MySQL's Com_select over the drive, -1 without a database.
	// A GET / sends at most one SELECT (the all-tasks query, without
	// arguments, so as a plain query, not a prepared statement; the
	// sessions of chapter 09 are in memcached), and while a server is
	// driven no other app and no other client of this MySQL is busy, so
	// the global count is the requests that reached MySQL. Queries of
	// requests still running when wrk stops are counted too (the app is
	// let settle first); wrk counts no answer to those.
	queries int64
	// warnings is the lines at level WARN or ERROR the app wrote during the
	// drive and its settling; -1 where its log is not read (the limit).
	warnings int
	first    string // the first of those lines, for the log
}

// overloadServer is a server and its drives at each number of connections.
type overloadServer struct {
	*server
	logFile *os.File // the app's stdout and stderr, opened O_APPEND; nil for the limit
	drives  map[int][]overloadDrive
}

func runOverload(ctx context.Context, adminDSN, mcServers, bin string, steps []string) error {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["rounds"] {
		*rounds = 3
	}
	if !set["duration"] {
		*duration = 10 * time.Second
	}
	if _, err := exec.LookPath("wrk"); err != nil || !*useWrk {
		return errors.New("-overload needs wrk (Go's client in this process would compete with the app for the same 2 cores differently)")
	}
	if *duration < time.Second || *duration%time.Second != 0 {
		return fmt.Errorf("-duration %s: wrk drives whole seconds", *duration)
	}
	if err := raiseOpenFiles(2*overConns + 256); err != nil {
		return err
	}

	loadBefore := loadAverage()
	var servers []*overloadServer
	defer func() {
		for _, o := range servers {
			o.stop()
		}
	}()
	for _, step := range steps {
		name := filepath.Base(step)
		logFile, err := os.OpenFile(filepath.Join(bin, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer logFile.Close()
		srv, err := startChapter(ctx, adminDSN, mcServers, filepath.Join(bin, name), name, 0, logFile)
		if srv != nil {
			servers = append(servers, &overloadServer{server: srv, logFile: logFile, drives: map[int][]overloadDrive{}})
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if len(servers) == 0 {
		return errors.New("no chapter from 04 on to overload")
	}
	limit, err := startLimit(mcServers, servers[len(servers)-1].page)
	if limit != nil {
		servers = append(servers, &overloadServer{server: limit, drives: map[int][]overloadDrive{}})
	}
	if err != nil {
		return fmt.Errorf("limit: %w", err)
	}

	for _, o := range servers {
		log.Printf("warming up %s", o.name)
		if _, err := o.drive(load{conns: normalConns, duration: 3 * time.Second, timeout: wrkTimeout}); err != nil && !errors.Is(err, errNoAnswer) {
			return err
		}
		settle(o.cmd.Process.Pid)
	}
	// As in the bench: interleaved rounds, each starting with another
	// server, and each server's two drives adjacent (so that their ratio
	// is of the same moment), the overloaded one first every other round.
	for round := 1; round <= *rounds; round++ {
		log.Printf("round %d of %d", round, *rounds)
		for i := range servers {
			o := servers[(i+round-1)%len(servers)]
			conns := []int{normalConns, overConns}
			if round%2 == 0 {
				conns[0], conns[1] = conns[1], conns[0]
			}
			for _, c := range conns {
				if err := o.measure(c); err != nil {
					return fmt.Errorf("%s: %w", o.name, err)
				}
			}
		}
	}

	var report strings.Builder
	fmt.Fprintf(&report, "# Overload results\n\n%s\n\n"+
		"Load: wrk, 1 thread, GET / with %d tasks, the query at its real cost, %s per drive with --timeout %s, at %d and at %d connections, after a warm-up; %d interleaved rounds. "+
		"req/s counts the 2xx answers only (wrk's rate less its non-2xx answers), so that shedding load is not throughput; it and app CPU per request (the app process's own, /proc/PID/stat) are medians over the rounds, with the lowest and highest; %d÷%d is the median of the per-round ratios. "+
		"MySQL is MariaDB's Com_select over each drive and its settling, summed over the rounds, as a share of the requests wrk counted answered. "+
		"Warnings are the lines at level WARN or ERROR in the app's log per drive: the median and the most. "+
		"Timeouts, socket errors (connect/read/write) and non-2xx answers are wrk's, summed over the rounds; wrk counts as a timeout, every 2 s, each connection whose request is older than --timeout, so one slow request can count more than once. "+
		"The machine's load average (1 min) was %s before the run and %s after it.\n\n",
		host(mcServers), *tasks, *duration, wrkTimeout, normalConns, overConns, *rounds, overConns, normalConns, loadBefore, loadAverage())
	fmt.Fprintf(&report, "| server | connections | 2xx req/s (range) | %d÷%d (range) | MySQL queries | ÷ requests | warning lines, median (most) | timeouts | socket errors | non-2xx | app CPU/req (range) |\n", overConns, normalConns)
	fmt.Fprintln(&report, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, o := range servers {
		for _, c := range []int{normalConns, overConns} {
			fmt.Fprintln(&report, o.tableRow(c))
		}
	}
	fmt.Fprintf(&report, "\n## Goals at %d connections\n\n", overConns)
	for _, o := range servers {
		if o.logFile != nil {
			fmt.Fprintln(&report, o.goals())
		}
	}

	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	out := filepath.Join(*outDir, "overload.md")
	if err := os.WriteFile(out, []byte(report.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(report.String())
	log.Printf("wrote %s", out)
	return nil
}

// measure drives the server once with conns connections and records what
// reached MySQL and the log.
func (o *overloadServer) measure(conns int) error {
	d := overloadDrive{queries: -1, warnings: -1}
	if o.logFile != nil {
		if err := o.logFile.Truncate(0); err != nil { // O_APPEND: the app goes on writing at the new end
			return err
		}
	}
	var before int64
	if o.db != nil {
		var err error
		if before, err = comSelect(o.db); err != nil {
			return err
		}
	}
	log.Printf("driving %s with %d connections", o.name, conns)
	got, err := o.drive(load{conns: conns, duration: *duration, timeout: wrkTimeout})
	if err != nil && !errors.Is(err, errNoAnswer) {
		return err
	}
	d.sample = got
	settle(o.cmd.Process.Pid)
	if o.db != nil {
		after, err := comSelect(o.db)
		if err != nil {
			return err
		}
		d.queries = after - before
	}
	if o.logFile != nil {
		if d.warnings, d.first, err = countWarnings(o.logFile.Name()); err != nil {
			return err
		}
	}
	log.Printf("  MySQL %d queries, %d warning lines, wrk timeouts %d %s", d.queries, d.warnings, d.timeouts, d.first)
	o.drives[conns] = append(o.drives[conns], d)
	return nil
}

// settle waits, at most 10 s, until the app has done the work still queued
// when wrk stopped (its CPU time stops growing) and any log lines it
// buffers (a chapter may write them out every 100 ms) are written.
func settle(pid int) {
	last := cpuTicks(pid)
	for range 40 {
		time.Sleep(250 * time.Millisecond)
		now := cpuTicks(pid)
		if now-last <= 1 {
			return
		}
		last = now
	}
}

// A warning line, from slog's default handler ("2006/01/02 15:04:05 WARN
// msg …", the chapters' setting) or its text handler ("… level=WARN …").
var warningLine = regexp.MustCompile(`^\S+ \S+ (?:WARN|ERROR) |\blevel=(?:WARN|ERROR)\b`)

// countWarnings counts the warning lines in the log file.
func countWarnings(name string) (n int, first string, err error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 && warningLine.Match(line) {
			if n++; n == 1 {
				first = strings.TrimSpace(string(line[:min(len(line), 300)]))
			}
		}
		switch {
		case err == io.EOF:
			return n, first, nil
		case err != nil && !errors.Is(err, bufio.ErrBufferFull):
			return n, first, err
		}
	}
}

// tableRow is the server's figures at conns connections.
func (o *overloadServer) tableRow(conns int) string {
	drives := o.drives[conns]
	var rps, cpu, warnings []float64
	var reqs, timeouts, connect, read, write, non2xx int
	var queries int64
	for _, d := range drives {
		rps, cpu = append(rps, d.okRate()), append(cpu, float64(d.cpuPerReq.Microseconds()))
		warnings = append(warnings, float64(d.warnings))
		reqs, timeouts, non2xx = reqs+d.reqs, timeouts+d.timeouts, non2xx+d.non2xx
		connect, read, write = connect+d.connectErrs, read+d.readErrs, write+d.writeErrs
		queries += d.queries
	}
	ratio, mysql, share, warn := "", "n/a", "n/a", "n/a"
	if conns == overConns {
		r, rs := o.ratio()
		ratio = withRange(r, rs)
	}
	if o.db != nil {
		mysql, share = fmt.Sprint(queries), fmt.Sprintf("%.2f%%", 100*o.mysqlShare(conns))
	}
	if o.logFile != nil {
		warn = fmt.Sprintf("%.0f (%.0f)", median(warnings), slices.Max(warnings))
	}
	return fmt.Sprintf("| %s | %d | %s | %s | %s | %s | %s | %d | %d/%d/%d | %d | %s |",
		o.name, conns, wholeRange(rps), ratio, mysql, share, warn, timeouts, connect, read, write, non2xx, wholeRange(cpu)+" µs")
}

// wholeRange is the median of xs, in whole numbers, with the lowest and
// highest when there are several.
func wholeRange(xs []float64) string {
	if len(xs) < 2 {
		return fmt.Sprintf("%.0f", median(xs))
	}
	return fmt.Sprintf("%.0f (%.0f–%.0f)", median(xs), slices.Min(xs), slices.Max(xs))
}

// ratio is the median, and the list, of the per-round ratios of req/s at
// overConns to req/s at normalConns.
func (o *overloadServer) ratio() (float64, []float64) {
	var rs []float64
	for i, d := range o.drives[overConns] {
		if i < len(o.drives[normalConns]) && o.drives[normalConns][i].okRate() > 0 {
			rs = append(rs, d.okRate()/o.drives[normalConns][i].okRate())
		}
	}
	return median(rs), rs
}

// okRate is the drive's rate of 2xx answers.
func (d overloadDrive) okRate() float64 {
	if d.reqs == 0 {
		return 0
	}
	return d.rps * float64(d.reqs-d.non2xx) / float64(d.reqs)
}

// loadAverage is the machine's load average over the last minute, or "n/a".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "n/a"
}

// mysqlShare is the queries at conns connections over the requests
// answered, over all rounds.
func (o *overloadServer) mysqlShare(conns int) float64 {
	var queries int64
	var reqs int
	for _, d := range o.drives[conns] {
		queries, reqs = queries+d.queries, reqs+d.reqs
	}
	if reqs == 0 && queries > 0 {
		return math.Inf(1) // no answer at all: any query is too many
	}
	if reqs == 0 {
		return 0
	}
	return float64(queries) / float64(reqs)
}

// goals is the chapter's line in the goals section.
func (o *overloadServer) goals() string {
	ratio, _ := o.ratio()
	share := o.mysqlShare(overConns)
	var most, timeouts float64
	for _, d := range o.drives[overConns] {
		most, timeouts = max(most, float64(d.warnings)), timeouts+float64(d.timeouts)
	}
	return fmt.Sprintf("- %s: throughput %.3f of that at %d (goal ≥ %.2f): %s; MySQL %.2f%% of requests (goal ≤ %.0f%%): %s; "+
		"at most %.0f warning lines in a drive (goal < %d): %s; %.0f wrk timeouts (goal 0): %s",
		o.name, ratio, normalConns, goalRatio, mark(ratio >= goalRatio), 100*share, 100*goalMySQL, mark(share <= goalMySQL),
		most, goalWarnings, mark(most < goalWarnings), timeouts, mark(timeouts == 0))
}
