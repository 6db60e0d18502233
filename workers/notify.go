package workers

import "backbone/internal/notify"

// registerNotify registers the consumers that turn events into notifications and returns,
// by event topic, the queue topics the outbox relay must hand its events to
// (outbox.Options.EventJobs): the queue delivers them at least once, which the bus does
// not. Each event makes one notification per user, whoever handles it.
func registerNotify(r *Runner, d Deps) map[string][]string {
	eventJobs := map[string][]string{}
	for _, topic := range notify.Topics {
		job := notify.JobTopic(topic)
		// One at a time keeps the notifications of an instance in event order.
		r.Consume(job, d.Notify.HandleJob, jobOptions(1))
		eventJobs[topic] = append(eventJobs[topic], job)
	}
	return eventJobs
}
