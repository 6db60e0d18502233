package config

import (
	"fmt"
	"time"
)

// HealthThresholds are the limits of /health/detailed's business measures: past one,
// the measure and the report say "warn" (the server stays ready).
type HealthThresholds struct {
	OutboxLag   time.Duration // HEALTH_OUTBOX_LAG_WARN: age of the oldest unpublished outbox row (default 1m)
	QueueDepth  int           // HEALTH_QUEUE_DEPTH_WARN: jobs waiting in one topic (default 1000)
	QueueAge    time.Duration // HEALTH_QUEUE_AGE_WARN: age of a topic's oldest waiting job (default 5m)
	DeadLetters int           // HEALTH_DEAD_LETTERS_WARN: dead letters in one topic (default 0: any warns)
	// HEALTH_QUESTION_WAIT_WARN_PERCENT: how much of the time between asking and its
	// deadline the oldest question awaiting an expert may have used (default 50).
	QuestionWaitPercent int
}

func readHealth(r *reader) HealthThresholds {
	return HealthThresholds{
		OutboxLag:           r.duration("HEALTH_OUTBOX_LAG_WARN", time.Minute),
		QueueDepth:          r.int("HEALTH_QUEUE_DEPTH_WARN", 1000),
		QueueAge:            r.duration("HEALTH_QUEUE_AGE_WARN", 5*time.Minute),
		DeadLetters:         r.int("HEALTH_DEAD_LETTERS_WARN", 0),
		QuestionWaitPercent: r.int("HEALTH_QUESTION_WAIT_WARN_PERCENT", 50),
	}
}

func (h HealthThresholds) problems() []error {
	var p []error
	if h.OutboxLag <= 0 || h.QueueAge <= 0 {
		p = append(p, fmt.Errorf("HEALTH_OUTBOX_LAG_WARN and HEALTH_QUEUE_AGE_WARN: must be positive durations"))
	}
	if h.QueueDepth < 0 || h.DeadLetters < 0 {
		p = append(p, fmt.Errorf("HEALTH_QUEUE_DEPTH_WARN and HEALTH_DEAD_LETTERS_WARN: may not be negative"))
	}
	if h.QuestionWaitPercent < 1 || h.QuestionWaitPercent > 100 {
		p = append(p, fmt.Errorf("HEALTH_QUESTION_WAIT_WARN_PERCENT: %d is outside 1..100", h.QuestionWaitPercent))
	}
	return p
}
