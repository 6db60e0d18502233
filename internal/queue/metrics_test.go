package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/queue"
	"backbone/internal/queue/queuetest"
)

func newInstrumented(t *testing.T) (queue.Queue, *queue.Metrics) {
	t.Helper()
	m, err := queue.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	q := queue.NewMemory(discard())
	t.Cleanup(func() { _ = q.Close() })
	return queue.Instrument(q, m), m
}

// An instrumented queue is still a queue: it passes the contract suite.
func TestInstrumentedContract(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, func(t *testing.T) queue.Queue {
		q, _ := newInstrumented(t)
		return q
	})
}

func TestInstrumentedCounts(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := queue.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	mem := queue.NewMemory(discard())
	t.Cleanup(func() { _ = mem.Close() })
	q := queue.Instrument(mem, m)
	topic := queuetest.Topic()

	// "ok" succeeds, "flaky" fails once then succeeds, "bad" is permanent, "boom" panics
	// on both of its two attempts.
	for _, id := range []string{"ok", "flaky", "bad", "boom"} {
		queuetest.MustPublish(t, q, topic, id, nil)
	}
	if errs := queue.PublishAll(context.Background(), q, []queue.Message{{Topic: topic, ID: "ok2"}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	queuetest.StartConsumer(t, q, topic, func(_ context.Context, j queue.Job) error {
		switch {
		case j.ID == "flaky" && j.Attempt == 1:
			return errors.New("once")
		case j.ID == "bad":
			return queue.Permanent(errors.New("never"))
		case j.ID == "boom":
			panic("boom")
		}
		return nil
	}, queue.ConsumeOptions{MaxAttempts: 2, Backoff: func(int) time.Duration { return time.Millisecond }})

	queuetest.Eventually(t, "both failures dead-lettered", func() bool {
		d, _ := q.DeadLetters(context.Background(), topic)
		return len(d) == 2
	})
	want := map[string]float64{
		"queue_jobs_published_total":     5,
		"queue_jobs_consumed_total":      7, // ok, ok2, flaky twice, bad, boom twice
		"queue_jobs_failed_total":        4, // flaky once, bad, boom twice
		"queue_jobs_dead_lettered_total": 2,
	}
	queuetest.Eventually(t, "ok2 and flaky's retry consumed", func() bool {
		return counterValue(t, reg, "queue_jobs_consumed_total") == want["queue_jobs_consumed_total"]
	})
	for name, n := range want {
		if got := counterValue(t, reg, name); got != n {
			t.Errorf("%s = %v, want %v", name, got, n)
		}
	}
}

// counterValue sums the values of the counter family name in reg.
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
