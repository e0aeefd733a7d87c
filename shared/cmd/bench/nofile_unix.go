//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// raiseOpenFiles sets this process's soft limit on open files to its hard
// limit (at most 65536), which wrk and the apps then inherit (Go would
// otherwise hand them the limit it started with), and fails if that is
// under need: each side of the overload run holds a socket per connection.
func raiseOpenFiles(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	lim.Cur = min(lim.Max, 1<<16)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur < need {
		return fmt.Errorf("open files limit %d, under the %d the overload run needs (raise the hard limit: ulimit -Hn)", lim.Cur, need)
	}
	return nil
}
