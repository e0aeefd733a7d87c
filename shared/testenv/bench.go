package testenv

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkGet measures h serving GET target, without the network: it
// serves the page three times first (warming whatever cache h has, and
// failing unless each is a 200), then once per benchmark iteration.
func BenchmarkGet(b *testing.B, h http.Handler, target string) {
	b.Helper()
	req := httptest.NewRequest("GET", target, nil)
	for range 3 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d", target, rec.Code)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
