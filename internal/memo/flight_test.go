package memo_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/memo"
	"backbone/internal/memo/memotest"
)

// TestConcurrentMissesWaitForOneLoad holds the load until every caller is blocked (a
// synctest bubble knows when), so all of them miss at once: the loader runs once, one
// caller counts the miss and the others count waiting for it.
func TestConcurrentMissesWaitForOneLoad(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m := memo.New(memo.Config{Name: "test", Metrics: memo.NewMetrics(reg)})
		defer m.Close()
		const n = 32
		release := make(chan struct{})
		var calls atomic.Int64
		load := func(context.Context) (int, error) {
			calls.Add(1)
			<-release
			return 42, nil
		}
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if v, err := memo.Get(context.Background(), m, "k", time.Minute, load); err != nil || v != 42 {
					t.Errorf("Get = %d, %v", v, err)
				}
			})
		}
		synctest.Wait() // every caller is now waiting: in the load, or for it
		close(release)
		wg.Wait()
		if c := calls.Load(); c != 1 {
			t.Fatalf("loader ran %d times for %d callers, want 1", c, n)
		}
		i := memotest.Instance{Memo: m, Registry: reg}
		if i.Misses() != 1 || i.Hits(memo.TierFlight) != n-1 {
			t.Fatalf("misses %d, flight hits %d; want 1 and %d", i.Misses(), i.Hits(memo.TierFlight), n-1)
		}
	})
}
