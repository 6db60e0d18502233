package workers

import (
	"context"
	"time"

	"backbone/internal/outbox"
)

// outboxPruneEvery is how often delivered outbox rows past their retention are deleted.
const outboxPruneEvery = time.Hour

// registerOutbox runs the outbox relay on every instance that runs workers (relays share
// the rows safely), so jobs and events leave promptly wherever they were committed. The
// events that consumers of this runner read from the queue (eventJobs) are handed to it
// by this runner's relay only, so that no instance queues events that nobody consumes.
func registerOutbox(r *Runner, d Deps, eventJobs map[string][]string) {
	relay := outbox.NewRelay(outbox.Deps{DB: d.DB, Queue: d.Queue, Bus: d.Bus, Log: d.Log},
		outbox.Options{EventJobs: eventJobs})
	r.Loop("outbox.relay", relay.Run)
	r.Every("outbox.prune", outboxPruneEvery, func(ctx context.Context) error {
		_, err := relay.Prune(ctx)
		return err
	})
}
