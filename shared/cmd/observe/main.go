// Command observe prints what a chapter's README shows under "What you will
// observe", by replaying that chapter's scenario (package observe):
//
//	go run ./shared/cmd/observe 04      # or: make observe STEP=04
//
// It builds the chapter, starts it with a new SQLite file and, from chapter
// 04 on, a memcached that it empties and whose counters it zeroes first: the
// server named in TEST_MEMCACHED_SERVERS (the first one, if several), else a
// new container (Docker), removed at the end. Chapters 01 to 03 need neither
// memcached nor Docker. With -log, the app's log goes to stderr as well.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/go-memcache-workshop/tasklist/shared/chapterapp"
	"github.com/go-memcache-workshop/tasklist/shared/observe"
	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

var showLog = flag.Bool("log", false, "copy the app's and testcontainers' logs to stderr")

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: observe [-log] CHAPTER   (a number from %02d to %02d, or a chapter's folder)\n",
			observe.Chapters()[0], observe.Chapters()[len(observe.Chapters())-1])
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if !*showLog {
		tclog.SetDefault(tclog.NewNoopLogger()) // the transcript alone
	}
	if err := run(flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "observe:", err)
		os.Exit(1)
	}
}

func run(chapter string) error {
	root, err := chapterapp.Root()
	if err != nil {
		return err
	}
	dir, err := chapterapp.Find(root, chapter)
	if err != nil {
		return err
	}
	number, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(dir)[:6], "step"))
	bin, err := os.MkdirTemp("", "observe-bin")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	binary := filepath.Join(bin, filepath.Base(dir))
	if err := chapterapp.Build(dir, binary); err != nil {
		return err
	}
	cfg := observe.Config{Binary: binary}
	if observe.UsesMemcached(number) {
		server, stop, err := memcached()
		if err != nil {
			return err
		}
		defer stop()
		cfg.Memcached = server
	}
	if *showLog {
		cfg.Log = os.Stderr
	}
	return observe.Run(number, cfg, os.Stdout)
}

// memcached returns the first server of TEST_MEMCACHED_SERVERS, or starts a
// container, as the tests do.
func memcached() (addr string, stop func(), err error) {
	if servers := os.Getenv(testenv.EnvMemcachedServers); servers != "" {
		addr, _, _ = strings.Cut(servers, ",")
		return addr, func() {}, nil
	}
	image := testenv.DefaultMemcachedImage
	if v := os.Getenv(testenv.EnvMemcachedImage); v != "" {
		image = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := testcontainers.Run(ctx, image,
		testcontainers.WithExposedPorts("11211/tcp"),
		testcontainers.WithWaitStrategy(wait.ForListeningPort("11211/tcp")),
	)
	stop = func() {
		if c != nil {
			testcontainers.TerminateContainer(c)
		}
	}
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("start a memcached container (Docker), or name one in %s: %w", testenv.EnvMemcachedServers, err)
	}
	addr, err = c.PortEndpoint(ctx, "11211/tcp", "")
	if err != nil {
		stop()
		return "", nil, err
	}
	return addr, stop, nil
}
