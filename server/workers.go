package main

import (
	"context"
	"io"

	"backbone/internal/health"
	"backbone/workers"
)

// workers builds the runner of every background job of the process (see workers.Register).
func (a *app) workers() *workers.Runner {
	r := workers.New(a.queue, a.db, a.log)
	workers.Register(r, a.workerDeps())
	return r
}

// workerDeps are the services the workers run on.
func (a *app) workerDeps() workers.Deps {
	return workers.Deps{DB: a.db, Queue: a.queue, Bus: a.bus, Log: a.log,
		Questions: a.questions, Analytics: a.analytics, Notify: a.notify, Mail: a.mail, Auth: a.auth, AI: a.ai, StageDeadline: a.cfg.AIStageDeadline}
}

// workerCommand runs the background workers without the HTTP API, until ctx is cancelled.
func workerCommand(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if err := checkSplitDeployment(cfg, true); err != nil {
		return err
	}
	log, closeLog, err := newLogger(cfg, stdout)
	if err != nil {
		return err
	}
	defer closeLog() // after a.close, whose errors it may log
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	a.log.Info("starting backbone workers", "version", version(), "config", a.cfg.String())
	g, gctx := newTasks(ctx)
	if a.cfg.MetricsAddr != "" {
		// The workers' own counters (jobs consumed, failed, dead-lettered) exist only in
		// this process: it serves them on METRICS_ADDR, with /health/detailed.
		checks := health.New(a.log, a.healthChecks()...).WithIndicators(a.healthIndicators()...)
		ops, err := listenOperatorOn(operatorHandler(a.cfg, checks, a.metrics, a.log), a.cfg.MetricsAddr, a.log)
		if err != nil {
			return err
		}
		g.Go("operator server", func() error { return ops.serve(gctx) })
	}
	// Stopped, the workers finish their work in flight within SHUTDOWN_TIMEOUT.
	w := startWorkers(ctx, a.workers().Run)
	g.Go("workers", func() error {
		if err := w.failure(gctx); err != nil {
			return err
		}
		sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
		defer cancel()
		return w.stopWithin(sctx)
	})
	return g.waitWithin(gctx, a.cfg.ShutdownTimeout+abandonGrace)
}
