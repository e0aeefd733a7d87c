package web

import (
	"context"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/config"
)

func BenchmarkPanel(b *testing.B) {
	c, _ := cache.New(config.Config{})
	ctx, _ := c.NewScope(context.Background(), true)
	b.ReportAllocs()
	for b.Loop() {
		Panel(ctx)
	}
}
