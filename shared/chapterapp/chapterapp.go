// Package chapterapp builds a chapter and runs it as a reader would, for the
// commands that drive chapters from outside (bench, observe): find the
// workspace and a chapter's folder, build its binary, start it on a free
// loopback port and wait until it answers.
package chapterapp

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Root returns the workshop's top folder: the nearest folder holding
// go.work, from the working directory up.
func Root() (string, error) {
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

// Find returns the folder of a chapter named by its number ("04", "4") or
// its folder's name ("step04-query-cache").
func Find(root, chapter string) (string, error) {
	name := chapter
	if n, err := strconv.Atoi(chapter); err == nil {
		name = fmt.Sprintf("step%02d-*", n)
	}
	matches, err := filepath.Glob(filepath.Join(root, name))
	if err != nil || len(matches) != 1 {
		return "", fmt.Errorf("no chapter %q in %s", chapter, root)
	}
	return matches[0], nil
}

// Build compiles the chapter in dir into the file binary.
func Build(dir, binary string) error {
	cmd := exec.Command("go", "build", "-o", binary, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %w\n%s", filepath.Base(dir), err, out)
	}
	return nil
}

// FreeAddr returns a loopback address whose port was free a moment ago.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// WaitHealthy waits up to 10 s for base's /healthz to answer 200.
func WaitHealthy(base string) error {
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

// App is a chapter's binary running as a process of its own.
type App struct {
	Base string // http://127.0.0.1:port
	cmd  *exec.Cmd
}

// Start runs binary in dir with the environment env and ADDR set to a free
// loopback port, and waits until it is healthy. Its log goes to logTo
// (nil: nowhere).
func Start(binary, dir string, env []string, logTo *os.File) (*App, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary)
	cmd.Dir = dir
	cmd.Env = append(env[:len(env):len(env)], "ADDR="+addr)
	if logTo != nil {
		cmd.Stdout, cmd.Stderr = logTo, logTo
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	a := &App{Base: "http://" + addr, cmd: cmd}
	if err := WaitHealthy(a.Base); err != nil {
		a.Stop()
		return nil, err
	}
	return a, nil
}

// Stop asks the app to shut down (SIGTERM) and waits for it.
func (a *App) Stop() {
	a.cmd.Process.Signal(syscall.SIGTERM)
	a.cmd.Wait()
}
