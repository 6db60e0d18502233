package workers

import "backbone/internal/analytics"

// registerAnalytics registers the consumer that keeps the admins' rollups from the
// lifecycle and ledger events, and adds its queue topics to eventJobs (the outbox relay
// hands it every event of those topics, at least once; the consumer counts each once).
func registerAnalytics(r *Runner, d Deps, eventJobs map[string][]string) {
	if d.Analytics == nil {
		return
	}
	for _, topic := range analytics.Topics {
		job := analytics.JobTopic(topic)
		// Events of different questions may be counted at once: each question's facts
		// are guarded by their own version.
		r.Consume(job, d.Analytics.HandleJob, jobOptions(2))
		eventJobs[topic] = append(eventJobs[topic], job)
	}
}
