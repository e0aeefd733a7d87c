package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/config"
)

func BenchmarkPanel(b *testing.B) {
	c, _ := cache.New(config.Config{})
	var ctx context.Context
	c.Track(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ctx = r.Context() })).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	b.ReportAllocs()
	for b.Loop() {
		Panel(ctx)
	}
}
