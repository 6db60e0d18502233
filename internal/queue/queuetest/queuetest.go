// Package queuetest is the contract suite every queue.Queue implementation must pass.
package queuetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"backbone/internal/queue"
)

// Patience bounds every wait in the suite; reaching it means the behaviour is missing.
const Patience = 20 * time.Second

// fast is a backoff short enough to keep the suite quick.
func fast(int) time.Duration { return 10 * time.Millisecond }

// Run runs the contract suite. newQueue returns a fresh, connected queue for one test and
// registers its own cleanup; each subtest uses topics of its own.
func Run(t *testing.T, newQueue func(t *testing.T) queue.Queue) {
	t.Run("each job reaches one of the competing consumers once", func(t *testing.T) {
		t.Parallel()
		testCompetingConsumers(t, newQueue(t))
	})
	t.Run("failed job is retried with the next attempt number", func(t *testing.T) {
		t.Parallel()
		testRetry(t, newQueue(t))
	})
	t.Run("job is dead-lettered after max attempts", func(t *testing.T) {
		t.Parallel()
		testDeadLetter(t, newQueue(t))
	})
	t.Run("a replayed dead letter runs again as a first attempt", func(t *testing.T) {
		t.Parallel()
		testReplay(t, newQueue(t))
	})
	t.Run("permanent error dead-letters at once", func(t *testing.T) {
		t.Parallel()
		testPermanent(t, newQueue(t))
	})
	t.Run("panic in handler counts as a failed attempt", func(t *testing.T) {
		t.Parallel()
		testPanic(t, newQueue(t))
	})
	t.Run("cancel stops consuming after in-flight handlers finish", func(t *testing.T) {
		t.Parallel()
		testCancelWaits(t, newQueue(t))
	})
	t.Run("concurrency is honoured", func(t *testing.T) {
		t.Parallel()
		testConcurrency(t, newQueue(t))
	})
	t.Run("stats count ready jobs, their age and dead letters", func(t *testing.T) {
		t.Parallel()
		testStats(t, newQueue(t))
	})
	t.Run("a handler continues its publisher's trace", func(t *testing.T) {
		t.Parallel()
		testTraceContext(t, newQueue(t))
	})
	t.Run("closed queue refuses work with UNAVAILABLE", func(t *testing.T) {
		t.Parallel()
		testClosed(t, newQueue(t))
	})
}

// Topic returns a fresh topic name.
func Topic() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "test-" + hex.EncodeToString(b)
}

// Consumer is a running Consume call.
type Consumer struct {
	cancel context.CancelFunc
	done   chan error
}

// StartConsumer runs q.Consume in the background; the test's cleanup stops it.
func StartConsumer(t *testing.T, q queue.Queue, topic string, h queue.Handler, opts queue.ConsumeOptions) *Consumer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &Consumer{cancel: cancel, done: make(chan error, 1)}
	go func() { c.done <- q.Consume(ctx, topic, h, opts) }()
	t.Cleanup(func() {
		c.cancel()
		select {
		case <-c.done:
		case <-time.After(Patience):
			t.Error("Consume did not return after cancel")
		}
	})
	return c
}

// Stop cancels the consumer and waits for Consume to return, failing on an error.
func (c *Consumer) Stop(t *testing.T) {
	t.Helper()
	c.cancel()
	select {
	case err := <-c.done:
		c.done <- nil // let cleanup's receive pass
		if err != nil {
			t.Fatalf("Consume returned %v after cancel, want nil", err)
		}
	case <-time.After(Patience):
		t.Fatal("Consume did not return after cancel")
	}
}

// MustPublish publishes or fails the test.
func MustPublish(t *testing.T, q queue.Queue, topic, id string, payload []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Patience)
	defer cancel()
	if err := q.Publish(ctx, topic, id, payload); err != nil {
		t.Fatalf("Publish(%s, %s): %v", topic, id, err)
	}
}

// Eventually polls cond until it holds or Patience runs out.
func Eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Drain publishes a sentinel and consumes until it arrives (stop the test's own consumers
// first); it returns the IDs of every
// other job delivered before it. Both queues are FIFO and requeue at the original place,
// so an empty result proves that nothing was left behind or redelivered.
func Drain(t *testing.T, q queue.Queue, topic string) []string {
	t.Helper()
	sentinel := "sentinel-" + Topic()
	var mu sync.Mutex
	var others []string
	got := make(chan struct{})
	var once sync.Once
	c := StartConsumer(t, q, topic, func(_ context.Context, j queue.Job) error {
		if j.ID == sentinel {
			once.Do(func() { close(got) })
			return nil
		}
		mu.Lock()
		others = append(others, j.ID)
		mu.Unlock()
		return nil
	}, queue.ConsumeOptions{Backoff: fast})
	MustPublish(t, q, topic, sentinel, nil)
	select {
	case <-got:
	case <-time.After(Patience):
		t.Fatal("drain: sentinel never arrived")
	}
	c.Stop(t)
	mu.Lock()
	defer mu.Unlock()
	return others
}

// Recorder records the attempts each job ID was delivered with.
type Recorder struct {
	mu       sync.Mutex
	attempts map[string][]int
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{attempts: map[string][]int{}} }

// Add records a delivery.
func (r *Recorder) Add(j queue.Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts[j.ID] = append(r.attempts[j.ID], j.Attempt)
}

// Attempts returns the attempts seen for id, in order.
func (r *Recorder) Attempts(id string) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.attempts[id]...)
}

// Len returns the number of distinct IDs seen.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.attempts)
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d", prefix, i)
	}
	return out
}
