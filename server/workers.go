package main

import (
	"context"
	"io"
	"time"

	"backbone/internal/outbox"
	"backbone/workers"
)

// outboxPruneEvery is how often delivered outbox rows past their retention are deleted.
const outboxPruneEvery = time.Hour

// workers registers every queue consumer and scheduled job of the process. The outbox
// relay runs on every instance that runs workers (relays share the rows safely), so jobs
// and events leave promptly wherever they were committed. The events that consumers of
// this runner read from the queue are handed to it by this runner's relay only, so that
// no instance queues events that nobody consumes.
func (a *app) workers() *workers.Runner {
	r := workers.New(a.queue, a.db, a.log)
	a.questionWorkers(r)
	eventJobs := a.notifyWorkers(r)
	relay := outbox.NewRelay(outbox.Deps{DB: a.db, Queue: a.queue, Bus: a.bus, Log: a.log},
		outbox.Options{EventJobs: eventJobs})
	r.Loop("outbox.relay", relay.Run)
	r.Every("outbox.prune", outboxPruneEvery, func(ctx context.Context) error {
		_, err := relay.Prune(ctx)
		return err
	})
	return r
}

// workerCommand runs the background workers without the HTTP API, until ctx is cancelled.
func workerCommand(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	a, err := openCommandApp(ctx, getenv, stdout)
	if err != nil {
		return err
	}
	defer a.close()
	a.log.Info("starting backbone workers", "version", version(), "config", a.cfg.String())
	return a.workers().Run(ctx)
}
