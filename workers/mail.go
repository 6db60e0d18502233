package workers

import "backbone/internal/events"

// registerMail consumes the mail.send jobs that mail.Enqueue writes to the outbox. A
// failed send is retried with backoff and dead-lettered after its last attempt (or at
// once on a permanent SMTP refusal), like every job.
func registerMail(r *Runner, d Deps) {
	if d.Mail == nil {
		return // a process built without an email channel (some tests)
	}
	r.Consume(events.JobMailSend, d.Mail.HandleJob, jobOptions(2))
}
