package testenv

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func TestCaptureLogsWhileTheAppLogs(t *testing.T) {
	before := slog.Default()
	t.Run("capture", func(t *testing.T) {
		logs := CaptureLogs(t)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() { slog.Info("from a handler", "n", i) })
			_ = logs.String() // read while they write: -race checks this
		}
		wg.Wait()
		if n := strings.Count(logs.String(), "from a handler"); n != 16 {
			t.Errorf("captured %d lines, want 16", n)
		}
	})
	if slog.Default() != before {
		t.Error("the previous logger was not put back")
	}
}
