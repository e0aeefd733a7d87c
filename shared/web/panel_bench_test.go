package web

import (
	"context"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
)

func BenchmarkPanel(b *testing.B) {
	c, _ := cache.New(cache.Options{})
	ctx, _ := c.NewScope(context.Background(), true)
	b.ReportAllocs()
	for b.Loop() {
		Panel(ctx)
	}
}
