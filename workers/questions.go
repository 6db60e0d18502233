package workers

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"backbone/internal/questions"
	"backbone/internal/queue"
)

// Intervals of the question sweeps: leases are short, so they are checked often.
const (
	leaseSweepEvery      = 15 * time.Second
	deadlineSweepEvery   = time.Minute
	autoAcceptSweepEvery = time.Minute
)

// registerQuestions registers the routing of submitted questions (the AI pipeline off)
// and the lifecycle sweeps.
func registerQuestions(r *Runner, d Deps) {
	r.Consume(questions.TopicRoute, routeQuestion(d.Questions), jobOptions(4))
	r.Every("questions.expire_leases", leaseSweepEvery, sweep(d.Questions.ExpireLeases))
	r.Every("questions.warn_leases", leaseSweepEvery, sweep(d.Questions.WarnLeases))
	r.Every("questions.expire_deadlines", deadlineSweepEvery, sweep(d.Questions.ExpireDeadlines))
	r.Every("questions.auto_accept", autoAcceptSweepEvery, sweep(d.Questions.AutoAccept))
}

// routeQuestion handles a "questions.route" job; Route is idempotent, so a redelivery is
// harmless. A payload that names no question can never succeed: it is dead-lettered.
func routeQuestion(qs *questions.Service) queue.Handler {
	return func(ctx context.Context, job queue.Job) error {
		var p questions.RouteJob
		if err := json.Unmarshal(job.Payload, &p); err != nil || p.QuestionID == uuid.Nil {
			return queue.Permanent(fmt.Errorf("questions.route %s: bad payload %q", job.ID, job.Payload))
		}
		return qs.Route(ctx, p.QuestionID)
	}
}
