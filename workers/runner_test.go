package workers_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"backbone/internal/db"
	"backbone/internal/queue"
	"backbone/internal/testenv"
	"backbone/workers"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func mustOpen(t *testing.T, url string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), url, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestConsumersRunUntilCancelled(t *testing.T) {
	t.Parallel()
	q := queue.NewMemory(quietLog())
	t.Cleanup(func() { q.Close() })
	r := workers.New(q, mustOpen(t, testenv.NewSQLiteURL(t)), quietLog())
	got := make(chan string, 3)
	r.Consume("greetings", func(_ context.Context, j queue.Job) error {
		got <- string(j.Payload)
		return nil
	}, queue.ConsumeOptions{})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, context.Background()) }()
	for _, p := range []string{"a", "b", "c"} {
		if err := q.Publish(ctx, "greetings", p, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for range 3 {
		select {
		case p := <-got:
			seen[p] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("jobs not consumed; seen %v", seen)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

// TestScheduleRunsOnOneInstanceAtATime starts several runners (instances) on one
// PostgreSQL database with the same schedule and checks that runs never overlap.
func TestScheduleRunsOnOneInstanceAtATime(t *testing.T) {
	t.Parallel()
	url := testenv.NewPostgresDB(t)
	var running, maxRunning, runs atomic.Int32
	job := func(context.Context) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := maxRunning.Load()
			if n <= m || maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		runs.Add(1)
		time.Sleep(30 * time.Millisecond)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		q := queue.NewMemory(quietLog())
		t.Cleanup(func() { q.Close() })
		r := workers.New(q, mustOpen(t, url), quietLog())
		r.Every("sweep", 10*time.Millisecond, job)
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.Run(ctx, context.Background()) }()
	}
	deadline := time.Now().Add(20 * time.Second)
	for runs.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if runs.Load() < 20 {
		t.Fatalf("only %d runs", runs.Load())
	}
	if maxRunning.Load() != 1 {
		t.Fatalf("%d instances ran the schedule at once", maxRunning.Load())
	}
}

func TestLockIsExclusiveUntilReleased(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func() string{
		"postgres": func() string { return testenv.NewPostgresDB(t) },
		"sqlite":   func() string { return testenv.NewSQLiteURL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			d := mustOpen(t, url())
			a, b := workers.NewLocker(d), workers.NewLocker(d)
			t.Cleanup(func() { a.Close(); b.Close() })
			if name == "sqlite" {
				b = a // one process owns a SQLite file: the lock is within the process
			}
			ctx := context.Background()
			release, ok, err := a.TryLock(ctx, "x")
			if err != nil || !ok {
				t.Fatalf("first TryLock: ok=%v err=%v", ok, err)
			}
			if _, ok, err := b.TryLock(ctx, "x"); err != nil || ok {
				t.Fatalf("second TryLock while held: ok=%v err=%v", ok, err)
			}
			if _, ok, _ := b.TryLock(ctx, "y"); !ok {
				t.Fatal("another name should be free")
			}
			release()
			release2, ok, err := b.TryLock(ctx, "x")
			if err != nil || !ok {
				t.Fatalf("TryLock after release: ok=%v err=%v", ok, err)
			}
			release2()
		})
	}
}

// TestHeldLockLeavesTheConnectionToTheWork holds a schedule's lock on a pool of one
// connection: the sweep it guards must still get that connection, or every sweep would
// wait for itself until its timeout.
func TestHeldLockLeavesTheConnectionToTheWork(t *testing.T) {
	t.Parallel()
	d := mustOpen(t, testenv.NewPostgresDB(t))
	d.SQL.SetMaxOpenConns(1)
	l := workers.NewLocker(d)
	t.Cleanup(func() { l.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	release, ok, err := l.TryLock(ctx, "sweep")
	if err != nil || !ok {
		t.Fatalf("TryLock: ok=%v err=%v", ok, err)
	}
	defer release()
	var one int
	if err := d.SQL.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("a query while the lock is held: %v", err)
	}
}

func TestPanickingScheduleDoesNotStopTheRunner(t *testing.T) {
	t.Parallel()
	q := queue.NewMemory(quietLog())
	t.Cleanup(func() { q.Close() })
	r := workers.New(q, mustOpen(t, testenv.NewSQLiteURL(t)), quietLog())
	var calls atomic.Int32
	r.Every("boom", 5*time.Millisecond, func(context.Context) error {
		if calls.Add(1)%2 == 1 {
			panic("boom")
		}
		return errors.New("fails too")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, context.Background()) }()
	deadline := time.Now().Add(10 * time.Second)
	for calls.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil || calls.Load() < 4 {
		t.Fatalf("runner stopped: calls=%d err=%v", calls.Load(), err)
	}
}
