package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
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

// phase is one way of submitting a round's questions: all at once (rate 0, the
// pipeline's throughput) or paced at rate per second (its stage times at that rate).
type phase struct {
	name string
	rate float64
}

// runWorkers measures one worker count: it starts the workers and runs each phase on
// them in turn.
func runWorkers(ctx context.Context, env *benchEnv, o options, we workerEnv, n int) ([]result, error) {
	b, err := dialBroker(we.amqpURL, we.namespace)
	if err != nil {
		return nil, err
	}
	defer b.close()
	procs := make([]*workerProc, 0, n)
	stopped := false
	stopAll := func() error {
		if stopped {
			return nil
		}
		stopped = true
		var firstErr error
		for _, p := range procs {
			if err := p.stop(); err != nil && firstErr == nil {
				firstErr = fmt.Errorf("worker: %w\n%s", err, tail(p.log.Name(), 20))
			}
		}
		return firstErr
	}
	defer stopAll()
	pids := make([]int, n)
	for i := range n {
		p, err := startWorker(we, fmt.Sprintf("%d-of-%d", i+1, n))
		if err != nil {
			return nil, err
		}
		procs = append(procs, p)
		pids[i] = p.cmd.Process.Pid
	}
	if err := b.awaitConsumers(ctx, n, procs); err != nil {
		return nil, err
	}
	cpu := newCPUUse(env.db.SQL, pids)
	phases := []phase{{name: "all at once"}}
	if o.rate > 0 {
		phases = append(phases, phase{name: fmt.Sprintf("paced at %g/s", o.rate), rate: o.rate})
	}
	var results []result
	for _, ph := range phases {
		fmt.Printf("\n== %d worker process(es), %d questions submitted %s (load average %s before)\n", n, o.questions, ph.name, loadAverage())
		r, err := runPhase(ctx, env, o, ph, b, procs, cpu)
		if err != nil {
			return results, err
		}
		r.Workers = n
		results = append(results, r)
		printRound(r)
	}
	err = stopAll()
	reportLogs(procs)
	return results, err
}

// reportLogs prints how many warnings and errors the workers logged, with a few of them:
// a job that failed and was retried shows only there.
func reportLogs(procs []*workerProc) {
	var n int
	var shown []string
	for _, p := range procs {
		b, err := os.ReadFile(p.log.Name())
		if err != nil {
			logf("worker log %s: %v", p.log.Name(), err)
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
				n++
				if len(shown) < 3 {
					shown = append(shown, line)
				}
			}
		}
	}
	logf("the workers logged %d warnings and errors (a retried job is one)", n)
	for _, line := range shown {
		fmt.Println("  " + line)
	}
}

// runPhase submits the questions, waits until each has left the AI stages and the
// workers have nothing left to do (outbox and job queues empty: the notifications made
// of the pipeline's events are its work too, and none spills into the next phase), then
// reads the figures from the rows.
func runPhase(ctx context.Context, env *benchEnv, o options, ph phase, b *broker, procs []*workerProc, cpu *cpuUse) (result, error) {
	rctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if !env.autovacuum {
		// What autovacuum would have done by now; without it no table has statistics
		// and updated tables only grow (see setUp).
		if _, err := env.db.SQL.ExecContext(rctx, "VACUUM (ANALYZE)"); err != nil {
			return result{}, fmt.Errorf("vacuum: %w", err)
		}
	}
	if err := cpu.sample(rctx); err != nil {
		return result{}, err
	}
	before := cpu.totals()
	sampling, stopSampling := context.WithCancel(rctx)
	sampled := make(chan error, 1)
	go func() {
		for sleep(sampling, 250*time.Millisecond) == nil {
			if err := cpu.sample(sampling); err != nil && sampling.Err() == nil {
				sampled <- err
				return
			}
		}
		sampled <- nil
	}()
	ids, err := submit(rctx, env, o, ph.rate)
	if err == nil {
		logf("submitted %d questions; waiting for them to reach the experts' queue", len(ids))
		err = awaitPipeline(rctx, env, ids, procs)
	}
	var dead int
	drainStart := time.Now()
	if err == nil {
		dead, err = awaitIdle(rctx, env, b)
	}
	drained := time.Since(drainStart)
	stopSampling()
	if serr := <-sampled; err == nil {
		err = serr
	}
	if err == nil {
		err = cpu.sample(rctx)
	}
	if err != nil {
		return result{}, err
	}
	r, err := measure(rctx, env, ids)
	if err != nil {
		return result{}, err
	}
	r.Phase, r.Rate, r.DeadJobs, r.Drain = ph.name, ph.rate, dead, drained
	r.CPU = since(cpu.totals(), before)
	r.Load = loadAverage()
	return r, nil
}

// submit asks o.questions questions through the questions service, o.submitters at a
// time, each submitter a client of its own, paced at perSecond if positive.
func submit(ctx context.Context, env *benchEnv, o options, perSecond float64) ([]uuid.UUID, error) {
	limit := rate.NewLimiter(rate.Inf, 1)
	if perSecond > 0 {
		limit = rate.NewLimiter(rate.Limit(perSecond), 1)
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
					Title:          fmt.Sprintf("Bench question %d", i),
					Body:           "How does the pipeline cope with this many questions at once? " + fmt.Sprint(i),
					IdempotencyKey: uuid.NewString(),
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
