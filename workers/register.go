package workers

import (
	"context"
	"log/slog"
	"time"

	"backbone/internal/ai"
	"backbone/internal/analytics"
	"backbone/internal/auth"
	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/mail"
	"backbone/internal/notify"
	"backbone/internal/questions"
	"backbone/internal/queue"
)

// Deps are the services the background work runs on.
type Deps struct {
	DB        *db.DB
	Queue     queue.Queue
	Bus       bus.Bus
	Log       *slog.Logger
	Questions *questions.Service
	Notify    *notify.Service
	// Analytics keeps the admins' rollups from the lifecycle and ledger events.
	Analytics *analytics.Service
	// Mail sends the emails of mail.send jobs.
	Mail *mail.Service
	// Auth handles the account jobs (password reset emails).
	Auth *auth.Service
	// AI is the model provider; nil skips the AI stages.
	AI *ai.Client
	// StageDeadline is how long a question may wait in one AI stage before the rescue
	// sweep sends it to the experts (default 10 minutes).
	StageDeadline time.Duration
}

// Register puts every queue consumer, scheduled sweep and loop of Backbone on r: the
// AI pipeline (pipeline.go), question routing and sweeps (questions.go), notifications
// (notify.go), analytics rollups (analytics.go), emails (mail.go) and the outbox relay (outbox.go). The server and the worker command call
// only this.
func Register(r *Runner, d Deps) {
	if d.StageDeadline <= 0 {
		d.StageDeadline = DefaultStageDeadline
	}
	registerPipeline(r, d)
	registerQuestions(r, d)
	eventJobs := registerNotify(r, d)
	registerAnalytics(r, d, eventJobs)
	registerMail(r, d)
	registerOutbox(r, d, eventJobs)
}

// DefaultStageDeadline is AI_STAGE_DEADLINE's default.
const DefaultStageDeadline = 10 * time.Minute

// jobOptions are the retry rules of the lifecycle's jobs: few distinct delays, because
// RabbitMQ keeps one retry queue per delay.
func jobOptions(concurrency int) queue.ConsumeOptions {
	return queue.ConsumeOptions{
		Concurrency: concurrency,
		MaxAttempts: 10,
		Backoff:     queue.ExponentialBackoff(time.Second, time.Minute),
	}
}

// sweep adapts a sweep that counts what it changed to a scheduled job.
func sweep(fn func(context.Context) (int, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := fn(ctx)
		return err
	}
}

// Topics lists the job topics Register consumes, for the dead-job admin.
func Topics(d Deps) []string {
	r := &Runner{}
	Register(r, d)
	out := make([]string, len(r.consumers))
	for i, c := range r.consumers {
		out[i] = c.topic
	}
	return out
}
