package main

import (
	"context"
	"time"

	"backbone/graph"
	"backbone/internal/health"
	"backbone/internal/outbox"
	"backbone/internal/queue"
	"backbone/workers"
)

// healthIndicators are the business measures /health/detailed shows beside the
// dependencies, with the thresholds of the HEALTH_* settings: how far behind the outbox
// relay is, how deep and old the workers' queues are and how many dead letters they
// keep, and how much of its time the oldest question awaiting an expert has used.
func (a *app) healthIndicators() []health.Indicator {
	th := a.cfg.Health
	topics := workers.Topics(a.workerDeps())
	return []health.Indicator{
		{Name: "outbox", Read: func(ctx context.Context) ([]health.Measurement, error) {
			b, err := outbox.ReadBacklog(ctx, a.db.Client)
			if err != nil {
				return nil, err
			}
			return []health.Measurement{{
				Name: "outbox_lag_seconds", Value: b.Lag(time.Now()).Seconds(), WarnAbove: th.OutboxLag.Seconds(),
				Detail: map[string]any{"pending": b.Pending},
			}}, nil
		}},
		{Name: "queue", Read: func(ctx context.Context) ([]health.Measurement, error) {
			var out []health.Measurement
			for _, topic := range topics {
				s, err := queue.StatsOf(ctx, a.queue, topic)
				if err != nil {
					return nil, err
				}
				labels := map[string]string{"topic": topic}
				out = append(out,
					health.Measurement{Name: "queue_depth", Labels: labels, Value: float64(s.Ready), WarnAbove: float64(th.QueueDepth)},
					health.Measurement{Name: "queue_oldest_job_age_seconds", Labels: labels, Value: s.OldestAge.Seconds(), WarnAbove: th.QueueAge.Seconds()},
					health.Measurement{Name: "queue_dead_letters", Labels: labels, Value: float64(s.Dead), WarnAbove: float64(th.DeadLetters)},
				)
			}
			return out, nil
		}},
		{Name: "questions", Read: func(ctx context.Context) ([]health.Measurement, error) {
			m := health.Measurement{Name: "oldest_waiting_question_deadline_used", WarnAbove: float64(th.QuestionWaitPercent) / 100}
			w, ok, err := a.questions.OldestWaiting(ctx)
			if err != nil || !ok {
				return []health.Measurement{m}, err
			}
			now := time.Now()
			m.Value = w.DeadlineUsed(now)
			m.Detail = map[string]any{
				"question_id":     graph.GlobalID("Question", w.ID), // as question(id:) takes it
				"waiting_seconds": now.Sub(w.AskedAt).Seconds(),
				"deadline":        w.Deadline.UTC(),
			}
			return []health.Measurement{m}, nil
		}},
	}
}
