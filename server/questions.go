package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"backbone/internal/questions"
	"backbone/internal/queue"
	"backbone/workers"
)

// Intervals of the question sweeps: leases are short, so they are checked often.
const (
	leaseSweepEvery      = 15 * time.Second
	deadlineSweepEvery   = time.Minute
	autoAcceptSweepEvery = time.Minute
)

// openQuestions builds the question lifecycle service.
func (a *app) openQuestions() {
	a.questions = questions.New(questions.Deps{DB: a.db, Wallet: a.wallet, Settings: a.settings, Log: a.log}, questions.Options{})
}

// questionWorkers registers the routing of submitted questions and the lifecycle sweeps.
func (a *app) questionWorkers(r *workers.Runner) {
	r.Consume(questions.TopicRoute, a.routeQuestion, queue.ConsumeOptions{
		Concurrency: 4,
		MaxAttempts: 10,
		// Few distinct delays: RabbitMQ keeps one retry queue per delay.
		Backoff: queue.ExponentialBackoff(time.Second, time.Minute),
	})
	r.Every("questions.expire_leases", leaseSweepEvery, sweep(a.questions.ExpireLeases))
	r.Every("questions.expire_deadlines", deadlineSweepEvery, sweep(a.questions.ExpireDeadlines))
	r.Every("questions.auto_accept", autoAcceptSweepEvery, sweep(a.questions.AutoAccept))
}

// routeQuestion handles a "questions.route" job; Route is idempotent, so a redelivery is
// harmless. A payload that names no question can never succeed: it is dead-lettered.
func (a *app) routeQuestion(ctx context.Context, job queue.Job) error {
	var p questions.RouteJob
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.QuestionID == uuid.Nil {
		return queue.Permanent(fmt.Errorf("questions.route %s: bad payload %q", job.ID, job.Payload))
	}
	return a.questions.Route(ctx, p.QuestionID)
}

// sweep adapts a sweep that counts what it changed to a scheduled job.
func sweep(fn func(context.Context) (int, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := fn(ctx)
		return err
	}
}
