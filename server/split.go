package main

import (
	"errors"

	"backbone/internal/config"
)

// errNoSharedBus refuses a split deployment without Redis: the workers publish live
// updates on the bus, and the in-process bus reaches only its own process, so an API
// apart from its workers would never see them.
var errNoSharedBus = errors.New("REDIS_URL is required when the API and the workers run in separate processes " +
	"(`backbone worker`, or `serve` with RUN_WORKERS=false): live updates travel between them on the Redis bus, " +
	"and without it every subscription would silently miss what the workers do")

// errNoSharedQueue refuses a split deployment without RabbitMQ: the in-process queue is
// the process's own, so the API would never see the workers' jobs (deadJobs,
// replayDeadJob, /health/detailed, the queue metrics) nor the workers the API's.
var errNoSharedQueue = errors.New("AMQP_URL is required when the API and the workers run in separate processes " +
	"(`backbone worker`, or `serve` with RUN_WORKERS=false): they share the job queue on RabbitMQ, " +
	"and without it each process would have a queue of its own that the other never sees")

// checkSplitDeployment refuses a process that runs only one half of Backbone (apart: the
// API without workers, or the workers without the API) without the shared bus
// (errNoSharedBus) or the shared queue (errNoSharedQueue); it names every one missing.
func checkSplitDeployment(cfg config.Config, apart bool) error {
	if !apart {
		return nil
	}
	var missing []error
	if cfg.RedisURL == "" {
		missing = append(missing, errNoSharedBus)
	}
	if cfg.AMQPURL == "" {
		missing = append(missing, errNoSharedQueue)
	}
	return errors.Join(missing...)
}
