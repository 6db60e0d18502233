package memo_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"backbone/internal/bus"
	"backbone/internal/cache"
	"backbone/internal/memo"
)

// beforeTagWrite is a shared store that runs once, before the next write of a tag's
// token, whatever the test armed: a Get racing an invalidation at its worst moment.
type beforeTagWrite struct {
	cache.Cache
	hook atomic.Pointer[func()]
}

func (c *beforeTagWrite) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if strings.Contains(key, ":tag:") {
		if h := c.hook.Swap(nil); h != nil {
			(*h)()
		}
	}
	return c.Cache.Set(ctx, key, val, ttl)
}

// TestGetDuringAnInvalidationKeepsNoOldValue: a Get that runs while an invalidation is
// rotating the shared tags (by Invalidate, or by a followed message) may still return
// the old value, but must not keep it past the invalidation.
func TestGetDuringAnInvalidationKeepsNoOldValue(t *testing.T) {
	t.Parallel()
	for _, via := range []string{"Invalidate", "Follow"} {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			shared := &beforeTagWrite{Cache: cache.NewMemory(100)}
			b := bus.NewMemory()
			t.Cleanup(func() { b.Close() })
			m := memo.New(memo.Config{Name: "order", Shared: shared, Bus: b})
			t.Cleanup(func() { m.Close() })
			m.Follow("thing.changed", func(p []byte) []string { return []string{string(p)} })

			var value atomic.Value
			value.Store("old")
			get := func() string {
				v, err := memo.Get(context.Background(), m, "k", time.Minute, func(context.Context) (string, error) {
					return value.Load().(string), nil
				}, "t")
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			get()
			value.Store("new")
			ran := make(chan struct{})
			hook := func() { get(); close(ran) }
			shared.hook.Store(&hook)
			if via == "Invalidate" {
				if err := m.Invalidate(context.Background(), "t"); err != nil {
					t.Fatal(err)
				}
			} else if err := b.Publish(context.Background(), "thing.changed", []byte("t")); err != nil {
				t.Fatal(err)
			}
			<-ran
			// The followed message is handled on the Memo's goroutine: after the hook,
			// the local versions move on at once; allow for it to be scheduled.
			deadline := time.Now().Add(10 * time.Second)
			for get() != "new" {
				if time.Now().After(deadline) {
					t.Fatalf("Get still returns old after the invalidation: a Get during it kept the old value")
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}
