package workers

import "backbone/internal/events"

// registerMail consumes the mail.send jobs that mail.Enqueue writes to the outbox, and
// the account jobs that write emails (password reset). A failed job is retried with
// backoff and dead-lettered after its last attempt (a mail.send job at once on a
// permanent SMTP refusal), like every job.
func registerMail(r *Runner, d Deps) {
	if d.Mail != nil {
		r.Consume(events.JobMailSend, d.Mail.HandleJob, jobOptions(2))
	}
	if d.Auth != nil {
		r.Consume(events.JobPasswordReset, d.Auth.HandlePasswordResetJob, jobOptions(2))
	}
}
