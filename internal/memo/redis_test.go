package memo_test

import (
	"context"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"backbone/internal/bus"
	"backbone/internal/cache"
	"backbone/internal/memo"
	"backbone/internal/memo/memotest"
	"backbone/internal/testenv"
)

// redisBackend is a deployment on Redis: every instance its own client and bus, all on
// one prefix.
func redisBackend(t *testing.T) memotest.Backend {
	prefix := testenv.RandomName("memotest:") + ":"
	return memotest.Backend{
		Shared: cache.NewRedis(newClient(t), prefix+"cache:"),
		Bus: func(t *testing.T) bus.Bus {
			b := bus.NewRedis(newClient(t), slog.New(slog.DiscardHandler), bus.WithChannelPrefix(prefix+"bus:"))
			t.Cleanup(func() { b.Close() })
			return b
		},
	}
}

func TestRedisContract(t *testing.T) {
	t.Parallel()
	testenv.NeedRedis(t)
	memotest.Run(t, redisBackend)
}

// TestRedisSharesLoadsBetweenInstances: what one instance loaded, another reads from
// Redis without loading, counted as a shared hit.
func TestRedisSharesLoadsBetweenInstances(t *testing.T) {
	t.Parallel()
	be := redisBackend(t)
	one, two := memotest.NewInstance(t, be), memotest.NewInstance(t, be)
	l := memotest.NewLoader("v")
	memotest.MustGet(t, one, "k", l, "t")
	if got := memotest.MustGet(t, two, "k", l, "t"); got != "v" || l.Calls.Load() != 1 {
		t.Fatalf("second instance read %q after %d loads; want v from one load", got, l.Calls.Load())
	}
	if two.Hits(memo.TierShared) != 1 || two.Misses() != 0 {
		t.Fatalf("second instance: shared hits %d, misses %d; want 1 and 0", two.Hits(memo.TierShared), two.Misses())
	}
	memotest.MustGet(t, two, "k", l, "t")
	if two.Hits(memo.TierLocal) != 1 {
		t.Fatalf("second instance's next read: local hits %d, want 1", two.Hits(memo.TierLocal))
	}
}

// TestUnreachableSharedStoreStillServes: with Redis down, Get loads and keeps the value
// in process, and Invalidate still drops it here while reporting the failure.
func TestUnreachableSharedStoreStillServes(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	down := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { down.Close() })
	b := bus.NewMemory()
	t.Cleanup(func() { b.Close() })
	i := memotest.NewInstance(t, memotest.Backend{Shared: cache.NewRedis(down, "x:"), Bus: func(*testing.T) bus.Bus { return b }})
	ld := memotest.NewLoader("v1")
	if memotest.MustGet(t, i, "k", ld, "t") != "v1" || memotest.MustGet(t, i, "k", ld, "t") != "v1" || ld.Calls.Load() != 1 {
		t.Fatalf("loader called %d times, want once and then the copy in process", ld.Calls.Load())
	}
	ld.Set("v2")
	if err := i.Invalidate(context.Background(), "t"); err == nil {
		t.Fatal("Invalidate with Redis down reported no error")
	}
	if got := memotest.MustGet(t, i, "k", ld, "t"); got != "v2" {
		t.Fatalf("Get after Invalidate = %q, want v2", got)
	}
}

func newClient(t *testing.T) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.NeedRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// countingCache counts the reads a Memo makes of its shared store.
type countingCache struct {
	cache.Cache
	gets atomic.Int64
}

func (c *countingCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	c.gets.Add(1)
	return c.Cache.Get(ctx, key)
}

// TestLocalHitsAskRedisNothing: once an instance holds a value, its reads of it (Get and
// View alike) are answered in process without a round trip to Redis, and an
// invalidation from another instance over the Redis bus still reaches that copy.
func TestLocalHitsAskRedisNothing(t *testing.T) {
	t.Parallel()
	be := redisBackend(t)
	counted := &countingCache{Cache: be.Shared}
	mine := memotest.NewInstance(t, memotest.Backend{Shared: counted, Bus: be.Bus})
	other := memotest.NewInstance(t, be)
	ctx := context.Background()
	l := memotest.NewLoader("v1")
	view := func() string {
		v, err := memo.View(ctx, mine.Memo, "k", time.Minute, l.Load, "t")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if view() != "v1" {
		t.Fatal("first view")
	}
	before := counted.gets.Load()
	for range 5 {
		if view() != "v1" || memotest.MustGet(t, mine, "k", l, "t") != "v1" {
			t.Fatal("a read of the copy in process changed")
		}
	}
	if n := counted.gets.Load() - before; n != 0 || mine.Hits(memo.TierLocal) != 10 {
		t.Fatalf("ten reads of a value held in process: %d Redis reads, %d local hits; want 0 and 10", n, mine.Hits(memo.TierLocal))
	}
	l.Set("v2")
	if err := other.Invalidate(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	memotest.Eventually(t, "the other instance's invalidation reaching the copy in process", func() bool { return view() == "v2" })
}
