package testenv

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// Load is the answer to one of many concurrent GETs.
type Load struct {
	Status int
	Header http.Header
	Body   string
	Took   time.Duration
	Err    error
}

// LoadConcurrently has clients GET target over and over for duration, each
// on a keep-alive connection of its own, and returns every answer. It never
// fails the test itself, so that it can run in any goroutine: the caller
// checks the answers.
func LoadConcurrently(target string, clients int, duration time.Duration) []Load {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()
	return Concurrently(clients, duration, func(int, int) Load {
		start := time.Now()
		var l Load
		resp, err := client.Get(target)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			l = Load{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
		}
		l.Took, l.Err = time.Since(start), err
		return l
	})
}

// Concurrently has clients goroutines call do over and over for duration,
// and returns every result. do gets its caller's number (0 to clients-1)
// and how many calls that caller made before this one.
func Concurrently[T any](clients int, duration time.Duration, do func(client, n int) T) []T {
	stop := time.Now().Add(duration)
	var mu sync.Mutex
	var all []T
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			var mine []T
			for n := 0; time.Now().Before(stop); n++ {
				mine = append(mine, do(c, n))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all
}
