package workers_test

import (
	"context"
	"testing"
	"time"

	"backbone/internal/queue"
	"backbone/internal/testenv"
	"backbone/workers"
)

// blockingRunner is a runner whose one consumer reports each job's start on started and
// then runs work with the job's context.
func blockingRunner(t *testing.T, work func(ctx context.Context) error) (*workers.Runner, *queue.Memory, chan struct{}) {
	t.Helper()
	q := queue.NewMemory(quietLog())
	t.Cleanup(func() { q.Close() })
	r := workers.New(q, mustOpen(t, testenv.NewSQLiteURL(t)), quietLog())
	started := make(chan struct{}, 1)
	r.Consume("slow", func(ctx context.Context, _ queue.Job) error {
		started <- struct{}{}
		return work(ctx)
	}, queue.ConsumeOptions{MaxAttempts: 1})
	return r, q, started
}

// waitFor fails the test when ch gives nothing for a minute (a hang, not a timing check).
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("no %s within a minute", what)
		panic("unreachable")
	}
}

// TestStoppedWorkersFinishTheirJobInFlight stops the runner while a job runs: the job
// keeps an uncancelled context and Run returns only after it has finished.
func TestStoppedWorkersFinishTheirJobInFlight(t *testing.T) {
	t.Parallel()
	finish := make(chan struct{})
	jobErr := make(chan error, 1)
	r, q, started := blockingRunner(t, func(ctx context.Context) error {
		<-finish
		jobErr <- ctx.Err() // still live: stopping does not cancel the work in flight
		return nil
	})
	stop, stopNow := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(stop, context.Background()) }()
	if err := q.Publish(context.Background(), "slow", "j1", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, started, "job start")
	stopNow()
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) while its job was in flight", err)
	default:
	}
	close(finish)
	if err := waitFor(t, jobErr, "job end"); err != nil {
		t.Fatalf("the job's context was cancelled by the stop: %v", err)
	}
	if err := waitFor(t, done, "Run's return"); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestAbandonCancelsTheWorkInFlightAndReturns stops the runner, then reaches the deadline
// (abandon) while a job still runs: the job's context is cancelled, and Run returns even
// though another job ignores its context and never ends by itself.
func TestAbandonCancelsTheWorkInFlightAndReturns(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	cancelled := make(chan error, 1)
	r, q, started := blockingRunner(t, func(ctx context.Context) error {
		<-ctx.Done()
		cancelled <- context.Cause(ctx)
		<-release // a job that overstays its cancellation
		return nil
	})
	stop, stopNow := context.WithCancel(context.Background())
	abandon, abandonNow := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(stop, abandon) }()
	if err := q.Publish(context.Background(), "slow", "j1", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, started, "job start")
	stopNow()
	select {
	case err := <-cancelled:
		t.Fatalf("the job was cancelled (%v) before the deadline", err)
	default:
	}
	deadline := context.DeadlineExceeded
	abandonNow(deadline)
	if cause := waitFor(t, cancelled, "job cancellation"); cause != deadline {
		t.Fatalf("the job was cancelled with %v, want the deadline's cause", cause)
	}
	if err := waitFor(t, done, "Run's return"); err != nil {
		t.Fatalf("Run: %v", err)
	}
}
