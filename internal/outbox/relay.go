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
	// PublishTimeout bounds the queue side of a batch (every job and event job of it,
	// published at once) and each event's publish to the bus (default 10 s).
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
	stopped := func() bool { return ctx.Err() != nil || time.Now().After(stopAt) }
	queued := r.enqueue(ctx, claimed, stopAt)
	var delivered, released []rowID
	var failures []error
	for i, m := range claimed {
		err := queued[i]
		switch {
		case err != nil && stopped():
			released = append(released, m.ID) // cut short by the stop: due again at once
			continue
		case err == nil && m.Kind == Event:
			// An event goes to the bus once its queue topics have it: if one failed, the bus
			// has not had it yet and the retry does not show it twice to live subscribers;
			// if the bus fails, the retry repeats the jobs, which consumers dedupe.
			if stopped() {
				released = append(released, m.ID)
				continue
			}
			err = r.publishBus(ctx, m)
		}
		if err != nil {
			failures = append(failures, r.fail(rec, m, err))
			continue
		}
		delivered = append(delivered, m.ID)
	}
	failures = append(failures, r.release(rec, released), r.markDelivered(rec, delivered))
	return len(claimed), errors.Join(failures...)
}

// enqueue publishes the queue side of the claimed rows, jobs and the events' queue topics
// (Options.EventJobs), in row order and all at once (queue.PublishAll: on RabbitMQ one
// wait for the broker's confirms instead of one per message), before half the lease is
// gone. It returns each row's outcome: nil when its every message was stored.
func (r *Relay) enqueue(ctx context.Context, claimed []message, stopAt time.Time) []error {
	var msgs []queue.Message
	var rowOf []int
	for i, m := range claimed {
		topics := []string{m.Topic}
		if m.Kind == Event {
			topics = r.opts.EventJobs[m.Topic]
		}
		for _, t := range topics {
			msgs = append(msgs, queue.Message{Topic: t, ID: m.ID.String(), Payload: m.Payload, Trace: m.Trace})
			rowOf = append(rowOf, i)
		}
	}
	out := make([]error, len(claimed))
	if len(msgs) == 0 {
		return out
	}
	deadline := time.Now().Add(r.opts.PublishTimeout)
	if stopAt.Before(deadline) {
		deadline = stopAt
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for j, err := range queue.PublishAll(ctx, r.queue, msgs) {
		if i := rowOf[j]; err != nil && out[i] == nil {
			if claimed[i].Kind == Event {
				err = fmt.Errorf("event job %s: %w", msgs[j].Topic, err)
			}
			out[i] = err
		}
	}
	return out
}

// publishBus shows an event to live subscribers.
func (r *Relay) publishBus(ctx context.Context, m message) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.PublishTimeout)
	defer cancel()
	return r.bus.Publish(ctx, m.Topic, m.Payload)
}
