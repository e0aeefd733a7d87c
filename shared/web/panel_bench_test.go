package web

import (
	"context"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
)

// BenchmarkPanel renders the panel of a request that did nothing to the
// cache, then of a view-cache hit's trace (keys with nothing to escape), then
// of a trace whose keys have characters to escape.
func BenchmarkPanel(b *testing.B) {
	c, _ := cache.New(cache.Options{KeyPrefix: "app:"})
	for _, bc := range []struct {
		name string
		keys []string
	}{
		{"empty", nil},
		{"trace", []string{"view//", "tasks:v3", "row:v3:42:0123456789abcdef"}},
		{"escaped", []string{"view//a&b", "view/<x>", `view/"q"`}},
	} {
		ctx, _ := c.NewScope(context.Background(), true)
		for _, k := range bc.keys {
			c.Get(ctx, k)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Panel(ctx)
			}
		})
	}
}
