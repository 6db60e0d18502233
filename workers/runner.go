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

// Run runs every consumer and schedule until ctx is cancelled, then waits for the work in
// flight. It returns the first consumer error that is not a shutdown.
func (r *Runner) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, c := range r.consumers {
		g.Go(func() error {
			if err := r.queue.Consume(ctx, c.topic, c.h, c.opts); err != nil && ctx.Err() == nil {
				return fmt.Errorf("consumer %s: %w", c.topic, err)
			}
			return nil
		})
	}
	for _, s := range r.schedules {
		g.Go(func() error { r.loop(ctx, s); return nil })
	}
	for _, l := range r.loops {
		g.Go(func() error { r.runLoop(ctx, l); return nil })
	}
	r.log.Info("workers running", "consumers", len(r.consumers), "schedules", len(r.schedules), "loops", len(r.loops))
	err := g.Wait()
	if cerr := r.locks.Close(); cerr != nil {
		r.log.Warn("schedule locks not closed", "err", cerr)
	}
	return err
}

// loop runs one schedule. The first run waits a random part of the interval so that
// instances started together do not all contend for the lock at once.
func (r *Runner) loop(ctx context.Context, s schedule) {
	wait := time.Duration(rand.Int64N(int64(s.interval)/2 + 1))
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = s.interval
		r.runOnce(ctx, s)
	}
}

// runOnce runs the job if this instance takes the schedule's lock.
func (r *Runner) runOnce(ctx context.Context, s schedule) {
	release, ok, err := r.locks.TryLock(ctx, "schedule:"+s.name)
	if err != nil {
		r.log.Warn("schedule lock unavailable", "schedule", s.name, "err", err)
		return
	}
	if !ok {
		return // another instance runs it
	}
	defer release()
	// A sweep gets at most its interval, so a stuck one cannot hold the lock forever.
	jctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.interval)
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
