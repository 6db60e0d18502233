package main

import (
	"time"

	"backbone/internal/notify"
	"backbone/internal/queue"
	"backbone/workers"
)

// openNotify builds the notification service.
func (a *app) openNotify() {
	a.notify = notify.New(a.db, a.bus, a.log)
}

// notifyWorkers registers the consumers that turn events into notifications and returns,
// by event topic, the queue topics the outbox relay must hand its events to
// (outbox.Options.EventJobs): the queue delivers them at least once, which the bus does
// not. Each event makes one notification per user, whoever handles it.
func (a *app) notifyWorkers(r *workers.Runner) map[string][]string {
	eventJobs := map[string][]string{}
	for _, topic := range notify.Topics {
		job := notify.JobTopic(topic)
		r.Consume(job, a.notify.HandleJob, queue.ConsumeOptions{
			// One at a time keeps the notifications of an instance in event order.
			Concurrency: 1,
			MaxAttempts: 10,
			// Few distinct delays: RabbitMQ keeps one retry queue per delay.
			Backoff: queue.ExponentialBackoff(time.Second, time.Minute),
		})
		eventJobs[topic] = append(eventJobs[topic], job)
	}
	return eventJobs
}
