package cache_test

import (
	"testing"
	"time"

	"backbone/internal/cache"
	"backbone/internal/cache/cachetest"
)

func TestMemoryContract(t *testing.T) {
	t.Parallel()
	cachetest.Run(t, func(*testing.T) cache.Cache { return cache.NewMemory(1000) })
}

func TestMemoryEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	c := cache.NewMemory(2)
	cachetest.MustSet(t, c, "a", "1", time.Minute)
	cachetest.MustSet(t, c, "b", "2", time.Minute)
	cachetest.MustGet(t, c, "a") // a is now more recent than b
	cachetest.MustSet(t, c, "c", "3", time.Minute)
	for key, want := range map[string]bool{"a": true, "b": false, "c": true} {
		if _, ok := cachetest.MustGet(t, c, key); ok != want {
			t.Errorf("key %s present = %v, want %v", key, ok, want)
		}
	}
}
