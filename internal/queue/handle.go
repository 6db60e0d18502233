package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
)

// permanentError marks a handler error that must not be retried.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return "permanent: " + e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the job is dead-lettered at once instead of retried.
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err (or an error it wraps) was made by Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// outcome is what becomes of a job after one attempt.
type outcome int

const (
	outcomeDone outcome = iota
	outcomeRetry
	outcomeDead
)

func decide(err error, attempt, maxAttempts int) outcome {
	switch {
	case err == nil:
		return outcomeDone
	case IsPermanent(err) || attempt >= maxAttempts:
		return outcomeDead
	default:
		return outcomeRetry
	}
}

// call runs h and turns a panic into an error, so that one bad job cannot kill a worker.
func call(ctx context.Context, log *slog.Logger, h Handler, job Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("queue: handler panicked", "topic", job.Topic, "id", job.ID,
				"attempt", job.Attempt, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("queue: handler panicked: %v", r)
		}
	}()
	return h(ctx, job)
}

// logOutcome records a failed attempt at the right level.
func logOutcome(log *slog.Logger, o outcome, job Job, err error) {
	switch o {
	case outcomeRetry:
		log.Warn("queue: job failed, will retry", "topic", job.Topic, "id", job.ID,
			"attempt", job.Attempt, "err", err)
	case outcomeDead:
		log.Error("queue: job dead-lettered", "topic", job.Topic, "id", job.ID,
			"attempt", job.Attempt, "permanent", IsPermanent(err), "err", err)
	}
}
