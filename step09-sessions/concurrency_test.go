package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestConcurrentWritersAndReaders(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			srv, app := newTestServer(t, databaseURL(t))
			var wg sync.WaitGroup
			failures := make(chan string, 80)
			for i := range 40 {
				wg.Go(func() {
					resp, err := http.PostForm(srv.URL+"/", url.Values{"name": {fmt.Sprintf("concurrent %02d", i)}})
					if err != nil {
						failures <- err.Error()
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						failures <- "add: " + resp.Status
					}
				})
				wg.Go(func() {
					resp, err := http.Get(srv.URL + "/")
					if err != nil {
						failures <- err.Error()
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						failures <- "read: " + resp.Status
					}
				})
			}
			wg.Wait()
			close(failures)
			for f := range failures {
				t.Error(f)
			}

			// Once the writes are done, the page shows exactly what the database holds.
			stored := storedNames(t, app)
			listed := listedNames(t, srv.URL)
			if len(stored) != 40 || !slices.Equal(listed, stored) {
				t.Errorf("database holds %d tasks, page lists %d:\n%s\nvs\n%s", len(stored), len(listed),
					strings.Join(stored, ","), strings.Join(listed, ","))
			}

			// With no reader racing it, one more write leaves the page
			// listing exactly what the database holds.
			addTask(t, srv.URL, "sequential")
			stored, listed = storedNames(t, app), listedNames(t, srv.URL)
			if len(stored) != 41 || !slices.Equal(listed, stored) {
				t.Errorf("after one more write, database holds %d tasks, page lists %d:\n%s\nvs\n%s", len(stored), len(listed),
					strings.Join(stored, ","), strings.Join(listed, ","))
			}
		})
	}
}
