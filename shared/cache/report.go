package cache

import (
	"log/slog"
	"sync"
	"time"
)

// reportEvery is how often, at most, the log hears about failed operations.
const reportEvery = 10 * time.Second

// report counts the operations that failed or were skipped, and says so in
// the log at most once per reportEvery: an outage then writes a line every
// few seconds instead of one per operation, and a page that skips 200 sets
// adds to a count rather than writing 200 lines.
type report struct {
	mu              sync.Mutex
	failed, skipped int
	last            error     // the latest failure, as an example
	since           time.Time // when the counts began
	next            time.Time // the earliest time the log may hear again
}

// add counts err; skipped says that the operation never left the process.
func (r *report) add(err error, skipped bool) {
	now := time.Now()
	r.mu.Lock()
	if skipped {
		r.skipped++
	} else {
		r.failed++
	}
	r.last = err
	due := !now.Before(r.next)
	if due {
		r.next = now.Add(reportEvery)
	}
	r.mu.Unlock()
	if due {
		r.flush()
	}
}

// flush says what was counted since the last line, if anything.
func (r *report) flush() {
	now := time.Now()
	r.mu.Lock()
	failed, skipped, last, since := r.failed, r.skipped, r.last, r.since
	r.failed, r.skipped, r.last, r.since = 0, 0, nil, now
	r.mu.Unlock()
	if failed+skipped == 0 {
		return
	}
	attrs := []any{"failed", failed, "skipped", skipped, "last_err", last}
	if !since.IsZero() {
		attrs = append(attrs, "over", now.Sub(since).Round(time.Millisecond))
	}
	slog.Warn("cache operations failed; pages were served without them", attrs...)
}
