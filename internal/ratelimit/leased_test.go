package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"backbone/internal/ratelimit"
	"backbone/internal/ratelimit/ratelimittest"
)

func TestLeasedOverMemoryContract(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, func(*testing.T) ratelimit.Limiter {
		return ratelimit.NewLeased(ratelimit.NewMemory(100), 0, 100)
	})
}

func TestLeasedOverRedisContract(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, func(t *testing.T) ratelimit.Limiter {
		return ratelimit.NewLeased(ratelimit.NewRedis(newRedisClient(t), newPrefix(t)), 0, 100)
	})
}

// counting counts the calls that reach the shared store.
type counting struct {
	ratelimit.Limiter
	calls atomic.Int64
}

func (c *counting) AllowN(ctx context.Context, key string, l ratelimit.Limit, n int) (ratelimit.Result, error) {
	c.calls.Add(1)
	return c.Limiter.AllowN(ctx, key, l, n)
}

// A lease is a hundredth of the burst: a thousand one-point calls on a budget of 1,000
// reach the store about a hundred times (a few more at the end, where the store cannot
// pay for a whole lease and is asked for one point at a time), not a thousand.
func TestLeasedAsksTheStoreOncePerLease(t *testing.T) {
	t.Parallel()
	store := &counting{Limiter: ratelimit.NewMemory(10)}
	l := ratelimit.NewLeased(store, 100, 10)
	limit := ratelimit.Limit{Rate: 1000, Burst: 1000, Period: time.Hour}
	for i := range 1000 {
		res := mustAllow(t, l, "k", limit)
		if !res.Allowed || res.Remaining != 999-i {
			t.Fatalf("call %d: got %+v, want allowed with remaining %d", i+1, res, 999-i)
		}
	}
	if res := mustAllow(t, l, "k", limit); res.Allowed {
		t.Fatalf("past the budget: got %+v, want denied", res)
	}
	if calls := store.calls.Load(); calls > 110 {
		t.Fatalf("%d calls reached the store for 1,001 attempts, want about 100", calls)
	}
}

// Two instances leasing from one store, called concurrently, admit exactly the budget
// between them: every admitted point was taken from the store, and at its end they ask
// for single points, so none is left stranded in a lease.
func TestLeasedInstancesNeverSpendMoreThanTheSharedBudget(t *testing.T) {
	t.Parallel()
	store := ratelimit.NewRedis(newRedisClient(t), newPrefix(t))
	instances := []ratelimit.Limiter{ratelimit.NewLeased(store, 10, 10), ratelimit.NewLeased(store, 10, 10)}
	limit := ratelimit.Limit{Rate: 200, Burst: 200, Period: 1000 * time.Hour} // none comes back during the test
	var (
		wg      sync.WaitGroup
		allowed atomic.Int64
		failed  atomic.Value
	)
	for w := range 8 {
		wg.Go(func() {
			l := instances[w%2]
			for range 60 {
				res, err := l.AllowN(context.Background(), "k", limit, 1)
				if err != nil {
					failed.Store(err)
					return
				}
				if res.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		t.Fatalf("AllowN: %v", err)
	}
	if got := allowed.Load(); got != int64(limit.Burst) {
		t.Fatalf("480 calls over two instances: %d allowed, want exactly the shared budget %d", got, limit.Burst)
	}
}

// A call the store refuses reports what this instance's lease still holds: those points
// are the caller's to spend here (README: RateLimit is the lease plus what the store held).
func TestLeasedRefusalCountsTheLeaseInRemaining(t *testing.T) {
	t.Parallel()
	store := ratelimit.NewMemory(10)
	l := ratelimit.NewLeased(store, 10, 10) // leases of 10
	limit := ratelimit.Limit{Rate: 100, Burst: 100, Period: 1000 * time.Hour}
	mustAllow(t, l, "k", limit) // leases 10, spends 1: 9 in the lease, 90 in the store
	if res, err := store.AllowN(context.Background(), "k", limit, 90); err != nil || !res.Allowed {
		t.Fatalf("spending the store's 90 (another instance): %+v, %v", res, err)
	}
	res, err := l.AllowN(context.Background(), "k", limit, 20)
	if err != nil || res.Allowed || res.Remaining != 9 {
		t.Fatalf("20 with 9 in the lease and none in the store: got %+v, %v; want denied with remaining 9", res, err)
	}
	if res, err := l.AllowN(context.Background(), "k", limit, 9); err != nil || !res.Allowed || res.Remaining != 0 {
		t.Fatalf("the lease's 9: got %+v, %v; want allowed with remaining 0", res, err)
	}
}
