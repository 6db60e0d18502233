package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/queue"
)

// Deps are what a relay is built from.
type Deps struct {
	DB    *db.DB
	Queue queue.Queue
	Bus   bus.Bus
	Log   *slog.Logger
}

// Options tune a relay; zero values take the defaults.
type Options struct {
	// Batch is how many rows one claim takes (default 100).
	Batch int
	// Lease is how long a claim holds its rows (default 1 minute): rows of a relay that
	// died are due again after it. A relay stops publishing a batch at half its lease.
	Lease time.Duration
	// Poll is how often Run looks for due rows when nothing wakes it (default 1 s): the
	// safety net for commits in other processes and for retries.
	Poll time.Duration
	// Backoff is the delay before a failed row is tried again, by attempts so far
	// (default queue.ExponentialBackoff(time.Second, 5*time.Minute)). Rows are retried
	// until they are published: an outbox never drops a message.
	Backoff func(attempt int) time.Duration
	// PublishTimeout bounds one publish (default 10 s).
	PublishTimeout time.Duration
	// Retention is how long delivered rows are kept before Prune deletes them (default 7 days).
	Retention time.Duration
	// EventJobs names, by event topic, queue topics that also get each event of that topic
	// as a job (id: the row id; payload: the event's), published before the event goes to
	// the bus. It is for consumers that must see every event, which the bus (at most once,
	// nothing kept while a subscriber reconnects) does not promise. A failed publish retries
	// the whole row, so a job may come again: consumers dedupe on its id or content. Name
	// only topics that a consumer of this deployment reads, or their jobs pile up.
	EventJobs map[string][]string
}

func (o Options) withDefaults() Options {
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Backoff == nil {
		o.Backoff = queue.ExponentialBackoff(time.Second, 5*time.Minute)
	}
	if o.PublishTimeout <= 0 {
		o.PublishTimeout = 10 * time.Second
	}
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	o.EventJobs = maps.Clone(o.EventJobs)
	return o
}

// Relay publishes committed outbox rows: jobs to the queue, events to the bus (and to the
// queue topics Options.EventJobs names for them). Any number
// of relays may run at once, in one process or many: each row is claimed by one of them
// at a time (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite transactions are serial).
type Relay struct {
	db    *db.DB
	queue queue.Queue
	bus   bus.Bus
	log   *slog.Logger
	opts  Options
}

// NewRelay returns a relay; call Run, or RunOnce from a scheduled job.
func NewRelay(d Deps, o Options) *Relay {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Relay{db: d.DB, queue: d.Queue, bus: d.Bus, log: d.Log, opts: o.withDefaults()}
}

// recordTimeout bounds the database writes that record a batch's outcome.
const recordTimeout = 30 * time.Second

// burst is when Run looks again after Add wakes it, each delay after the previous look:
// the wake comes before the commit, so the first look may be too early.
var burst = []time.Duration{5 * time.Millisecond, 50 * time.Millisecond, 250 * time.Millisecond, time.Second}

// Run publishes due rows until ctx ends: at once when this process adds a message, every
// Poll otherwise, and without pause while full batches keep coming. It returns nil.
func (r *Relay) Run(ctx context.Context) error {
	woken, stop := wake.subscribe()
	defer stop()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var next []time.Duration
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-woken:
			next = burst
			timer.Reset(next[0])
			next = next[1:]
			continue
		case <-timer.C:
		}
		n, err := r.RunOnce(ctx)
		wait := r.opts.Poll
		switch {
		case err != nil:
			if ctx.Err() == nil {
				r.log.WarnContext(ctx, "outbox relay failed", "err", err)
			}
		case n == r.opts.Batch:
			wait = 0 // more are waiting
		case len(next) > 0:
			wait, next = next[0], next[1:]
		}
		timer.Reset(wait)
	}
}

// RunOnce claims one batch of due rows and publishes it. It returns how many rows were
// claimed (published or failed).
func (r *Relay) RunOnce(ctx context.Context) (int, error) {
	claimed, until, err := r.claim(ctx)
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	// Recording outcomes survives cancellation: what was published must not be again.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	stopAt := until.Add(-r.opts.Lease / 2)
	var delivered []rowID
	var failures []error
	for i, m := range claimed {
		if ctx.Err() != nil || time.Now().After(stopAt) {
			failures = append(failures, r.release(rec, ids(claimed[i:])))
			break
		}
		if err := r.publish(ctx, m); err != nil {
			failures = append(failures, r.fail(rec, m, err))
			continue
		}
		delivered = append(delivered, m.ID)
	}
	failures = append(failures, r.markDelivered(rec, delivered))
	return len(claimed), errors.Join(failures...)
}

// publish sends one row where its kind says. An event goes to its durable queue topics
// first: if one fails, the bus has not had it yet and a retry does not show it twice to
// live subscribers; if the bus fails, the retry repeats jobs, which consumers dedupe.
func (r *Relay) publish(ctx context.Context, m message) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.PublishTimeout)
	defer cancel()
	if m.Kind == Job {
		return r.queue.Publish(ctx, m.Topic, m.ID.String(), m.Payload)
	}
	for _, topic := range r.opts.EventJobs[m.Topic] {
		if err := r.queue.Publish(ctx, topic, m.ID.String(), m.Payload); err != nil {
			return fmt.Errorf("event job %s: %w", topic, err)
		}
	}
	return r.bus.Publish(ctx, m.Topic, m.Payload)
}
