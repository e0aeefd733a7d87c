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
	stop := time.Now().Add(duration)
	var mu sync.Mutex
	var all []Load
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var mine []Load
			for time.Now().Before(stop) {
				start := time.Now()
				var l Load
				resp, err := client.Get(target)
				if err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					l = Load{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
				}
				l.Took, l.Err = time.Since(start), err
				mine = append(mine, l)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all
}
