package workers_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"backbone/internal/queue"
	"backbone/internal/testenv"
	"backbone/workers"
)

func TestLoopRunsUntilCancelledAndRestartsAfterFailure(t *testing.T) {
	t.Parallel()
	q := queue.NewMemory(quietLog())
	t.Cleanup(func() { q.Close() })
	r := workers.New(q, mustOpen(t, testenv.NewSQLiteURL(t)), quietLog())
	var starts atomic.Int32
	r.Loop("flaky", func(ctx context.Context) error {
		switch starts.Add(1) {
		case 1:
			return errors.New("fails at once")
		case 2:
			panic("boom")
		}
		<-ctx.Done() // the third start runs until shutdown
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, context.Background()) }()
	deadline := time.Now().Add(20 * time.Second)
	for starts.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := starts.Load(); n != 3 {
		t.Fatalf("the loop started %d times, want 3 (restarted after an error and a panic, not after shutdown)", n)
	}
}
