package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the job counters, by topic: queue_jobs_published_total,
// queue_jobs_consumed_total (deliveries to a handler, every attempt),
// queue_jobs_failed_total (attempts whose handler failed or panicked) and
// queue_jobs_dead_lettered_total. Topics are the fixed names the workers consume, so
// the label is bounded.
type Metrics struct {
	published, consumed, failed, dead *prometheus.CounterVec
}

// NewMetrics registers the job counters in reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"topic"})
	}
	m := &Metrics{
		published: counter("queue_jobs_published_total", "Jobs published to the queue by this process, by topic."),
		consumed:  counter("queue_jobs_consumed_total", "Job deliveries handled by this process (every attempt), by topic."),
		failed:    counter("queue_jobs_failed_total", "Job attempts whose handler failed or panicked, by topic (retried or dead-lettered)."),
		dead:      counter("queue_jobs_dead_lettered_total", "Jobs given up on and dead-lettered by this process, by topic."),
	}
	for _, c := range []prometheus.Collector{m.published, m.consumed, m.failed, m.dead} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("queue metrics: %w", err)
		}
	}
	return m, nil
}

var errPanicked = errors.New("handler panicked")

// Instrument returns q counting into m. The result keeps q's PublishBatch and Stats.
func Instrument(q Queue, m *Metrics) Queue { return &instrumented{Queue: q, m: m} }

type instrumented struct {
	Queue
	m *Metrics
}

var (
	_ BatchPublisher = (*instrumented)(nil)
	_ Inspector      = (*instrumented)(nil)
)

func (q *instrumented) Publish(ctx context.Context, topic, id string, payload []byte) error {
	err := q.Queue.Publish(ctx, topic, id, payload)
	if err == nil {
		q.m.published.WithLabelValues(topic).Inc()
	}
	return err
}

func (q *instrumented) PublishBatch(ctx context.Context, msgs []Message) []error {
	out := PublishAll(ctx, q.Queue, msgs)
	for i, err := range out {
		if err == nil {
			q.m.published.WithLabelValues(msgs[i].Topic).Inc()
		}
	}
	return out
}

// Consume counts each delivery and its outcome as the queue decides it (decide), around
// h; a panic is counted, then left to the queue to recover.
func (q *instrumented) Consume(ctx context.Context, topic string, h Handler, opts ConsumeOptions) error {
	maxAttempts := opts.withDefaults().MaxAttempts
	consumed, failed, dead := q.m.consumed.WithLabelValues(topic), q.m.failed.WithLabelValues(topic), q.m.dead.WithLabelValues(topic)
	counted := func(ctx context.Context, job Job) (err error) {
		consumed.Inc()
		done := false
		defer func() {
			outcome := err
			if !done {
				outcome = errPanicked // a panic is a failed attempt, retried like an error
			}
			if outcome != nil {
				failed.Inc()
				if decide(outcome, job.Attempt, maxAttempts) == outcomeDead {
					dead.Inc()
				}
			}
		}()
		err = h(ctx, job)
		done = true
		return err
	}
	return q.Queue.Consume(ctx, topic, counted, opts)
}

func (q *instrumented) Stats(ctx context.Context, topic string) (TopicStats, error) {
	return StatsOf(ctx, q.Queue, topic)
}
