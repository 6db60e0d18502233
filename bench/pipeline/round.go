package main

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"backbone/ent/question"
	"backbone/internal/questions"
	"backbone/internal/viewer"
	"backbone/workers"
)

// runRound measures one worker count: start the workers, submit the questions, wait
// until each has left the AI stages and the workers have nothing left to do (outbox and
// queues empty, so no backlog spills into the next round), stop the workers, then read
// the figures from the rows.
func runRound(ctx context.Context, env *benchEnv, o options, we workerEnv, n int) (result, error) {
	fmt.Printf("\n== %d worker process(es), %d questions (load average %s before the round)\n", n, o.questions, loadAverage())
	b, err := dialBroker(we.amqpURL, we.namespace)
	if err != nil {
		return result{}, err
	}
	defer b.close()
	procs := make([]*workerProc, 0, n)
	stopped := false
	var workerCPU time.Duration
	stopAll := func() error {
		if stopped {
			return nil
		}
		stopped = true
		var firstErr error
		for _, p := range procs {
			cpu, err := p.stop()
			workerCPU += cpu
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("worker: %w\n%s", err, tail(p.log.Name(), 20))
			}
		}
		return firstErr
	}
	defer stopAll()
	for i := range n {
		p, err := startWorker(we, fmt.Sprintf("%d-of-%d", i+1, n))
		if err != nil {
			return result{}, err
		}
		procs = append(procs, p)
	}
	if err := b.awaitConsumers(ctx, n, procs); err != nil {
		return result{}, err
	}

	rctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	selfBefore := selfCPU()
	ids, err := submit(rctx, env, o)
	if err != nil {
		return result{}, fmt.Errorf("submit: %w", err)
	}
	logf("submitted %d questions; waiting for them to reach the experts' queue", len(ids))
	if err := awaitPipeline(rctx, env, ids, procs); err != nil {
		return result{}, err
	}
	selfDuring := selfCPU() - selfBefore
	drainStart := time.Now()
	dead, err := awaitIdle(rctx, env, b)
	if err != nil {
		return result{}, err
	}
	drained := time.Since(drainStart)
	if err := stopAll(); err != nil {
		return result{}, err
	}
	r, err := measure(ctx, env, ids)
	if err != nil {
		return result{}, err
	}
	r.Workers, r.Questions, r.DeadJobs = n, len(ids), dead
	r.WorkerCPU, r.ToolCPU, r.Drain = workerCPU, selfDuring, drained
	r.Load = loadAverage()
	return r, nil
}

// submit asks o.questions questions through the questions service, o.submitters at a
// time, each submitter a client of its own, paced at o.rate per second if set.
func submit(ctx context.Context, env *benchEnv, o options) ([]uuid.UUID, error) {
	limit := rate.NewLimiter(rate.Inf, 1)
	if o.rate > 0 {
		limit = rate.NewLimiter(rate.Limit(o.rate), 1)
	}
	next := make(chan int)
	var mu sync.Mutex
	ids := make([]uuid.UUID, 0, o.questions)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(next)
		for i := range o.questions {
			if err := limit.Wait(gctx); err != nil {
				return err
			}
			select {
			case next <- i:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for _, client := range env.clients {
		cctx := viewer.With(gctx, viewer.Principal{UserID: client, Role: viewer.RoleClient})
		g.Go(func() error {
			for i := range next {
				q, err := env.questions.Submit(cctx, questions.SubmitInput{
					Subject: env.subject, Urgency: question.UrgencyNORMAL,
					Title: fmt.Sprintf("Bench question %d", i),
					Body:  "How does the pipeline cope with this many questions at once? " + fmt.Sprint(i),
				})
				if err != nil {
					return err
				}
				mu.Lock()
				ids = append(ids, q.ID)
				mu.Unlock()
			}
			return nil
		})
	}
	return ids, g.Wait()
}

// awaitPipeline polls until every question has left SUBMITTED and the AI stages.
func awaitPipeline(ctx context.Context, env *benchEnv, ids []uuid.UUID, procs []*workerProc) error {
	lastReport := time.Now()
	for {
		var left int
		err := env.db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM questions WHERE id = ANY($1)
			AND status IN ('SUBMITTED', 'DRAFTING', 'REWRITING', 'CHECKING')`, pq.Array(ids)).Scan(&left)
		if err != nil {
			return fmt.Errorf("waiting for the pipeline (%d questions still in it): %w", left, err)
		}
		if left == 0 {
			return nil
		}
		for _, p := range procs {
			if err := p.exited(); err != nil {
				return err
			}
		}
		if time.Since(lastReport) > 10*time.Second {
			logf("%d questions still in the pipeline", left)
			lastReport = time.Now()
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for the pipeline (%d questions still in it): %w", left, err)
		}
	}
}

// awaitIdle waits until the outbox has nothing left to relay and no job queue of the
// workers holds a message (the notifications made of the pipeline's events come after
// it), and returns how many jobs lie in the dead-letter queues.
func awaitIdle(ctx context.Context, env *benchEnv, b *broker) (int, error) {
	topics := workers.Topics(workers.Deps{DB: env.db, Questions: env.questions})
	for {
		var pending, queued, dead int
		err := env.db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM outbox_messages WHERE delivered_at IS NULL`).Scan(&pending)
		if err != nil {
			return 0, fmt.Errorf("waiting for the outbox: %w", err)
		}
		for _, t := range topics {
			m, _, err := b.inspect(t)
			if err != nil {
				return 0, err
			}
			d, _, err := b.inspect(t + ".dead")
			if err != nil {
				return 0, err
			}
			queued, dead = queued+m, dead+d
		}
		if pending == 0 && queued == 0 {
			return dead, nil
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return 0, fmt.Errorf("waiting for the workers to finish (%d outbox rows, %d jobs left): %w", pending, queued, err)
		}
	}
}

// selfCPU is this process's CPU time so far (0 if the kernel does not say).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
