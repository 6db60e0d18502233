// Package queue runs background jobs: at-least-once delivery to competing consumers, retries with backoff, dead letters.
package queue

import (
	"context"
	"time"

	"backbone/internal/tracing"
)

// Job is one delivery of a published message to a handler.
type Job struct {
	// ID is the message id given to Publish; handlers use it for idempotency.
	ID      string
	Topic   string
	Payload []byte
	// Attempt is 1 on the first delivery and grows by one after each failed attempt.
	// A redelivery after a consumer crashed or lost its connection repeats the number.
	Attempt int

	// trace is the W3C trace context the job carries (its send span's); the handler's
	// process span continues it.
	trace tracing.Carrier
}

// Handler processes a job. A nil error acknowledges it; any other error retries it after
// a backoff until ConsumeOptions.MaxAttempts, then dead-letters it. Wrap an error with
// Permanent to dead-letter at once. A panic counts as a failure. Delivery is at least
// once, so a handler must be idempotent on Job.ID.
type Handler func(ctx context.Context, job Job) error

// DeadLetter is a job that was given up on, kept for inspection.
type DeadLetter struct {
	// Job is the last delivery; Job.Attempt is the number of attempts made.
	Job Job
	// Reason is the text of the last handler error.
	Reason string
}

// Queue is a job queue with competing consumers. Implementations: Memory (in-process)
// and AMQP (RabbitMQ). Both pass the contract suite in package queuetest.
type Queue interface {
	// Publish enqueues a job on topic. id is the message id (an idempotency key for
	// consumers: the queue itself does not deduplicate). It returns once the job is stored;
	// a broker that is unreachable gives an errs.Unavailable error.
	Publish(ctx context.Context, topic, id string, payload []byte) error
	// Consume runs h on the jobs of topic until ctx is cancelled or the queue is closed,
	// then waits for in-flight handlers and returns nil. Handlers get a context that is not
	// cancelled with ctx, so that they finish their work. Several Consume calls (in one
	// process or many) on one topic compete for its jobs.
	Consume(ctx context.Context, topic string, h Handler, opts ConsumeOptions) error
	// DeadLetters lists the dead letters of topic, oldest first, without removing them.
	DeadLetters(ctx context.Context, topic string) ([]DeadLetter, error)
	// Replay takes the dead letter of topic whose job id is id off the dead-letter list
	// and publishes it again as a first attempt; false when there is none. At least once:
	// the job is published before it leaves the list.
	Replay(ctx context.Context, topic, id string) (bool, error)
	// Ping reports whether the queue can take jobs (errs.Unavailable otherwise).
	Ping(ctx context.Context) error
	// Close releases the queue; running Consume calls return.
	Close() error
}

// ConsumeOptions tune a consumer. The zero value means the defaults.
type ConsumeOptions struct {
	// Concurrency is the number of handlers run at once (default 1); on RabbitMQ it is
	// also the prefetch count.
	Concurrency int
	// MaxAttempts is the number of attempts before a job is dead-lettered (default 5).
	MaxAttempts int
	// Backoff is the delay before attempt+1 after a failed attempt (default
	// ExponentialBackoff(time.Second, time.Minute)). On RabbitMQ each distinct delay
	// gets a retry queue, so prefer few distinct values (no random jitter).
	Backoff func(attempt int) time.Duration
}

// Default consume options.
const (
	DefaultConcurrency = 1
	DefaultMaxAttempts = 5
)

func (o ConsumeOptions) withDefaults() ConsumeOptions {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Backoff == nil {
		o.Backoff = ExponentialBackoff(time.Second, time.Minute)
	}
	return o
}

// ExponentialBackoff returns base, 2*base, 4*base... for attempts 1, 2, 3..., capped at max.
func ExponentialBackoff(base, max time.Duration) func(attempt int) time.Duration {
	return func(attempt int) time.Duration {
		d := base
		for i := 1; i < attempt && d < max; i++ {
			d *= 2
		}
		return min(d, max)
	}
}
