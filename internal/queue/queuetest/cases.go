package queuetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"backbone/internal/errs"
	"backbone/internal/queue"
)

func testCompetingConsumers(t *testing.T, q queue.Queue) {
	topic := Topic()
	const consumers, jobs = 3, 30
	rec := NewRecorder()
	// The first jobs wait until every consumer holds one: with Concurrency 1 each, that
	// proves that all consumers take part.
	var inFlight atomic.Int32
	barrier := make(chan struct{})
	var once sync.Once
	var cs []*Consumer
	for range consumers {
		cs = append(cs, StartConsumer(t, q, topic, func(_ context.Context, j queue.Job) error {
			rec.Add(j)
			defer inFlight.Add(-1)
			if inFlight.Add(1) == consumers {
				once.Do(func() { close(barrier) })
			}
			select {
			case <-barrier:
			case <-time.After(Patience):
			}
			return nil
		}, queue.ConsumeOptions{Concurrency: 1, Backoff: fast}))
	}
	for _, id := range ids("job", jobs) {
		MustPublish(t, q, topic, id, []byte(id))
	}
	Eventually(t, "every job delivered", func() bool { return rec.Len() == jobs })
	select {
	case <-barrier:
	default:
		t.Fatalf("jobs were never held by %d consumers at once", consumers)
	}
	for _, c := range cs {
		c.Stop(t)
	}
	if left := Drain(t, q, topic); len(left) > 0 {
		t.Fatalf("redelivered after success: %v", left)
	}
	for _, id := range ids("job", jobs) {
		if got := rec.Attempts(id); !slices.Equal(got, []int{1}) {
			t.Errorf("job %s delivered with attempts %v, want [1]", id, got)
		}
	}
}

func testRetry(t *testing.T, q queue.Queue) {
	topic := Topic()
	rec := NewRecorder()
	c := StartConsumer(t, q, topic, func(_ context.Context, j queue.Job) error {
		rec.Add(j)
		if j.Attempt < 3 {
			return errors.New("transient")
		}
		return nil
	}, queue.ConsumeOptions{MaxAttempts: 5, Backoff: fast})
	MustPublish(t, q, topic, "r1", []byte("payload"))
	Eventually(t, "third attempt", func() bool { return len(rec.Attempts("r1")) == 3 })
	c.Stop(t)
	if left := Drain(t, q, topic); len(left) > 0 {
		t.Fatalf("delivered again after success: %v", left)
	}
	if got := rec.Attempts("r1"); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("attempts = %v, want [1 2 3]", got)
	}
	mustDeadLetters(t, q, topic, 0)
}

func testDeadLetter(t *testing.T, q queue.Queue) {
	topic := Topic()
	rec := NewRecorder()
	c := StartConsumer(t, q, topic, func(_ context.Context, j queue.Job) error {
		rec.Add(j)
		return errors.New("always fails")
	}, queue.ConsumeOptions{MaxAttempts: 3, Backoff: fast})
	MustPublish(t, q, topic, "d1", []byte("payload"))
	dead := waitDeadLetters(t, q, topic, 1)
	c.Stop(t)
	if left := Drain(t, q, topic); len(left) > 0 {
		t.Fatalf("delivered again after dead-lettering: %v", left)
	}
	if got := rec.Attempts("d1"); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("attempts = %v, want [1 2 3]", got)
	}
	d := dead[0]
	if d.Job.ID != "d1" || d.Job.Topic != topic || string(d.Job.Payload) != "payload" || d.Job.Attempt != 3 || d.Reason == "" {
		t.Fatalf("dead letter = %+v, want d1 after 3 attempts with a reason", d)
	}
}

func testReplay(t *testing.T, q queue.Queue) {
	topic := Topic()
	failing := true
	var mu sync.Mutex
	rec := NewRecorder()
	c := StartConsumer(t, q, topic, func(_ context.Context, j queue.Job) error {
		rec.Add(j)
		mu.Lock()
		defer mu.Unlock()
		if failing {
			return queue.Permanent(errors.New("not yet"))
		}
		return nil
	}, queue.ConsumeOptions{MaxAttempts: 1, Backoff: fast})
	defer c.Stop(t)
	MustPublish(t, q, topic, "keep", []byte("a"))
	MustPublish(t, q, topic, "replay", []byte("b"))
	waitDeadLetters(t, q, topic, 2)
	if ok, err := q.Replay(context.Background(), topic, "missing"); ok || err != nil {
		t.Fatalf("Replay(missing) = %v, %v; want false, nil", ok, err)
	}
	mu.Lock()
	failing = false
	mu.Unlock()
	if ok, err := q.Replay(context.Background(), topic, "replay"); !ok || err != nil {
		t.Fatalf("Replay = %v, %v; want true, nil", ok, err)
	}
	Eventually(t, "the replayed job runs again as a first attempt", func() bool {
		a := rec.Attempts("replay")
		return len(a) == 2 && a[1] == 1
	})
	dead := waitDeadLetters(t, q, topic, 1)
	if dead[0].Job.ID != "keep" {
		t.Fatalf("dead letters after replay = %+v; want only keep", dead)
	}
}

func testPermanent(t *testing.T, q queue.Queue) {
	topic := Topic()
	rec := NewRecorder()
	c := StartConsumer(t, q, topic, func(_ context.Context, j queue.Job) error {
		rec.Add(j)
		return queue.Permanent(errors.New("bad payload"))
	}, queue.ConsumeOptions{MaxAttempts: 5, Backoff: fast})
	MustPublish(t, q, topic, "p1", nil)
	dead := waitDeadLetters(t, q, topic, 1)
	c.Stop(t)
	if left := Drain(t, q, topic); len(left) > 0 {
		t.Fatalf("delivered again after a permanent error: %v", left)
	}
	if got := rec.Attempts("p1"); !slices.Equal(got, []int{1}) {
		t.Fatalf("attempts = %v, want [1]", got)
	}
	if dead[0].Job.ID != "p1" || dead[0].Job.Attempt != 1 {
		t.Fatalf("dead letter = %+v, want p1 at attempt 1", dead[0])
	}
}

func testPanic(t *testing.T, q queue.Queue) {
	topic := Topic()
	rec := NewRecorder()
	StartConsumer(t, q, topic, func(_ context.Context, j queue.Job) error {
		rec.Add(j)
		if j.ID == "boom" && j.Attempt == 1 {
			panic("handler bug")
		}
		return nil
	}, queue.ConsumeOptions{MaxAttempts: 3, Backoff: fast})
	MustPublish(t, q, topic, "boom", nil)
	MustPublish(t, q, topic, "after", nil)
	Eventually(t, "retry after the panic and the next job", func() bool {
		return len(rec.Attempts("boom")) == 2 && len(rec.Attempts("after")) == 1
	})
	if got := rec.Attempts("boom"); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("attempts = %v, want [1 2]", got)
	}
}

func testCancelWaits(t *testing.T, q queue.Queue) {
	topic := Topic()
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	var handlerCtxErr atomic.Value
	c := StartConsumer(t, q, topic, func(ctx context.Context, j queue.Job) error {
		close(started)
		<-release
		handlerCtxErr.Store(fmtErr(ctx.Err()))
		finished.Store(true)
		return ctx.Err()
	}, queue.ConsumeOptions{Backoff: fast})
	MustPublish(t, q, topic, "slow", nil)
	select {
	case <-started:
	case <-time.After(Patience):
		t.Fatal("job never started")
	}
	c.cancel()
	go func() {
		time.Sleep(50 * time.Millisecond) // give a wrong Consume the chance to return early
		close(release)
	}()
	select {
	case err := <-c.done:
		c.done <- nil
		if err != nil {
			t.Fatalf("Consume returned %v, want nil", err)
		}
	case <-time.After(Patience):
		t.Fatal("Consume did not return after cancel")
	}
	if !finished.Load() {
		t.Fatal("Consume returned before its in-flight handler finished")
	}
	if e := handlerCtxErr.Load(); e != "" {
		t.Fatalf("handler context was cancelled (%v); in-flight work must be allowed to finish", e)
	}
	if left := Drain(t, q, topic); len(left) > 0 {
		t.Fatalf("finished job delivered again: %v", left)
	}
}

func testConcurrency(t *testing.T, q queue.Queue) {
	topic := Topic()
	const limit, jobs = 3, 12
	var inFlight, peak atomic.Int32
	full := make(chan struct{})
	var once sync.Once
	rec := NewRecorder()
	StartConsumer(t, q, topic, func(_ context.Context, j queue.Job) error {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n == limit {
			once.Do(func() { close(full) })
		}
		select { // hold the slot so that a wrong implementation would start more
		case <-full:
			time.Sleep(10 * time.Millisecond)
		case <-time.After(Patience):
		}
		rec.Add(j)
		return nil
	}, queue.ConsumeOptions{Concurrency: limit, Backoff: fast})
	for _, id := range ids("c", jobs) {
		MustPublish(t, q, topic, id, nil)
	}
	Eventually(t, "every job handled", func() bool { return rec.Len() == jobs })
	if got := peak.Load(); got != limit {
		t.Fatalf("peak concurrency = %d, want %d", got, limit)
	}
}

func testClosed(t *testing.T, q queue.Queue) {
	ctx := context.Background()
	topic := Topic()
	if err := q.Ping(ctx); err != nil {
		t.Fatalf("Ping on an open queue: %v", err)
	}
	c := StartConsumer(t, q, topic, func(context.Context, queue.Job) error { return nil }, queue.ConsumeOptions{})
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-c.done:
		c.done <- nil
		if err != nil {
			t.Fatalf("Consume returned %v after Close, want nil", err)
		}
	case <-time.After(Patience):
		t.Fatal("Consume did not return after Close")
	}
	if code := errs.CodeOf(q.Publish(ctx, topic, "x", nil)); code != errs.Unavailable {
		t.Fatalf("Publish after Close: code %s, want %s", code, errs.Unavailable)
	}
	if code := errs.CodeOf(q.Ping(ctx)); code != errs.Unavailable {
		t.Fatalf("Ping after Close: code %s, want %s", code, errs.Unavailable)
	}
}

func waitDeadLetters(t *testing.T, q queue.Queue, topic string, n int) []queue.DeadLetter {
	t.Helper()
	var dead []queue.DeadLetter
	Eventually(t, "dead letters", func() bool {
		var err error
		dead, err = q.DeadLetters(context.Background(), topic)
		if err != nil {
			t.Fatalf("DeadLetters: %v", err)
		}
		return len(dead) >= n
	})
	if len(dead) != n {
		t.Fatalf("%d dead letters, want %d", len(dead), n)
	}
	return dead
}

func mustDeadLetters(t *testing.T, q queue.Queue, topic string, n int) {
	t.Helper()
	dead, err := q.DeadLetters(context.Background(), topic)
	if err != nil {
		t.Fatalf("DeadLetters: %v", err)
	}
	if len(dead) != n {
		t.Fatalf("%d dead letters, want %d: %+v", len(dead), n, dead)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
