package testenv

import (
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// SlowReplies starts a relay in front of the real server at upstream and
// returns its address. It passes requests on at once, and holds every
// every-th chunk of the server's replies for delay before passing it on.
//
// A client whose operations time out while the server keeps answering is
// what a busy app looks like from inside: its goroutines are not scheduled
// in time to read answers that have arrived. The relay shows the client
// that picture without starving the test machine's CPU.
func SlowReplies(t testing.TB, upstream string, every int, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var chunks atomic.Int64
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return // the listener was closed
			}
			server, err := net.Dial("tcp", upstream)
			if err != nil {
				client.Close()
				continue
			}
			go func() {
				io.Copy(server, client)
				server.Close()
			}()
			go func() {
				defer client.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := server.Read(buf)
					if n > 0 {
						if chunks.Add(1)%int64(every) == 0 {
							time.Sleep(delay)
						}
						if _, werr := client.Write(buf[:n]); werr != nil {
							server.Close()
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}
