// Package workers runs Backbone's background work: queue consumers (pipeline stages) and
// scheduled sweeps that take a database lock so one instance at a time runs each.
package workers

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"golang.org/x/sync/errgroup"

	"backbone/internal/db"
	"backbone/internal/queue"
)

// Runner holds the registered consumers and schedules and runs them together.
type Runner struct {
	queue     queue.Queue
	locks     *Locker
	log       *slog.Logger
	consumers []consumer
	schedules []schedule
	loops     []loop
}

type consumer struct {
	topic string
	h     queue.Handler
	opts  queue.ConsumeOptions
}

type schedule struct {
	name     string
	interval time.Duration
	job      func(ctx context.Context) error
}

// New returns a Runner consuming from q and locking schedules in d.
func New(q queue.Queue, d *db.DB, log *slog.Logger) *Runner {
	return &Runner{queue: q, locks: NewLocker(d), log: log}
}

// Consume registers a handler for the jobs of topic.
func (r *Runner) Consume(topic string, h queue.Handler, opts queue.ConsumeOptions) {
	r.consumers = append(r.consumers, consumer{topic: topic, h: h, opts: opts})
}

// Every registers job to run about every interval, by one instance at a time.
func (r *Runner) Every(name string, interval time.Duration, job func(ctx context.Context) error) {
	r.schedules = append(r.schedules, schedule{name: name, interval: interval, job: job})
}

// Run runs every consumer, schedule and loop until stop is cancelled, then waits for the
// work in flight: a job or sweep half done is not cancelled with stop, so that it
// finishes. When abandon is cancelled (the shutdown deadline) that work is cancelled too
// and Run returns at once, without waiting for work that ignores its context. It returns
// the first consumer error that is not a shutdown.
func (r *Runner) Run(stop, abandon context.Context) error {
	stop, stopped := withAbandon(stop, abandon) // abandoning stops too
	defer stopped()
	g, ctx := errgroup.WithContext(stop)
	for _, c := range r.consumers {
		h := untilAbandoned(abandon, c.h)
		g.Go(func() error {
			if err := r.queue.Consume(ctx, c.topic, h, c.opts); err != nil && ctx.Err() == nil {
				return fmt.Errorf("consumer %s: %w", c.topic, err)
			}
			return nil
		})
	}
	for _, s := range r.schedules {
		g.Go(func() error { r.loop(ctx, abandon, s); return nil })
	}
	for _, l := range r.loops {
		g.Go(func() error { r.runLoop(ctx, l); return nil })
	}
	r.log.Info("workers running", "consumers", len(r.consumers), "schedules", len(r.schedules), "loops", len(r.loops))
	done := make(chan error, 1)
	go func() {
		err := g.Wait()
		if cerr := r.locks.Close(); cerr != nil { // no lock is held any more
			r.log.Warn("schedule locks not closed", "err", cerr)
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-abandon.Done():
		r.log.Warn("workers stopped at the shutdown deadline: the work in flight is cancelled")
		return nil
	}
}

// untilAbandoned makes h's work end when abandon is cancelled. The queue runs handlers on
// a context that its stop does not cancel; this one is cancelled at the deadline.
func untilAbandoned(abandon context.Context, h queue.Handler) queue.Handler {
	return func(ctx context.Context, job queue.Job) error {
		ctx, cancel := withAbandon(ctx, abandon)
		defer cancel()
		return h(ctx, job)
	}
}

// withAbandon returns ctx, cancelled also when abandon is.
func withAbandon(ctx, abandon context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	stopWatching := context.AfterFunc(abandon, func() { cancel(context.Cause(abandon)) })
	return ctx, func() { stopWatching(); cancel(context.Canceled) }
}

// loop runs one schedule. The first run waits a random part of the interval so that
// instances started together do not all contend for the lock at once.
func (r *Runner) loop(ctx, abandon context.Context, s schedule) {
	wait := time.Duration(rand.Int64N(int64(s.interval)/2 + 1))
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = s.interval
		r.runOnce(ctx, abandon, s)
	}
}

// runOnce runs the job if this instance takes the schedule's lock.
func (r *Runner) runOnce(ctx, abandon context.Context, s schedule) {
	release, ok, err := r.locks.TryLock(ctx, "schedule:"+s.name)
	if err != nil {
		r.log.Warn("schedule lock unavailable", "schedule", s.name, "err", err)
		return
	}
	if !ok {
		return // another instance runs it
	}
	defer release()
	// A sweep gets at most its interval, so a stuck one cannot hold the lock forever; a
	// shutdown lets it finish, until the deadline.
	jctx, abandoned := withAbandon(context.WithoutCancel(ctx), abandon)
	defer abandoned()
	jctx, cancel := context.WithTimeout(jctx, s.interval)
	defer cancel()
	if err := protect(jctx, s.job); err != nil {
		r.log.Error("scheduled job failed", "schedule", s.name, "err", err)
	}
}

// protect runs job, turning a panic into an error.
func protect(ctx context.Context, job func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return job(ctx)
}
