package ai

import (
	"errors"
	"fmt"
)

// ErrNotConfigured is returned by New without AI_BASE_URL; its text is the reason the
// pipeline records when it skips the AI stages.
var ErrNotConfigured = errors.New("no AI provider configured")

// ErrBreakerOpen is the cause of a call refused at once because recent calls failed.
var ErrBreakerOpen = errors.New("circuit breaker open after repeated provider failures")

// Error is a failed Draft or Rewrite. Its message is meant to be recorded as the stage's
// failure reason: it names the stage and what went wrong, never the API key or a URL's
// credentials.
type Error struct {
	Stage string // "draft" or "rewrite"
	// Permanent is true when the same request would fail again: the provider refused it
	// (a 4xx other than 408 and 429) or answered nothing usable (empty, refused by the
	// model, cut off, stopped by a content filter, or too long to store). Otherwise the
	// provider was unavailable: down, too slow, rate limiting past the attempts, or the
	// breaker is open.
	Permanent bool
	Attempts  int   // requests sent, 0 when the breaker or a cancelled context stopped the call first
	Status    int   // HTTP status of the last answer, 0 when there was none
	Err       error // the cause: ErrBreakerOpen, the caller's context error, or the last attempt's error
	msg       string
	cancelled bool   // the caller's context ended the call, which says nothing of the provider
	unusable  bool   // the provider answered, but not with an answer that can be used
	spent     Result // what that unusable answer cost
}

func (e *Error) Error() string {
	kind := "provider unavailable"
	switch {
	case e.Permanent && e.Status >= 400:
		kind = "provider refused the request"
	case e.Permanent:
		kind = "provider gave no usable answer"
	case e.cancelled:
		kind = "cancelled"
	}
	s := fmt.Sprintf("AI %s: %s", e.Stage, kind)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	return s + ": " + e.msg
}

func (e *Error) Unwrap() error { return e.Err }

// Spent returns what a failed Draft or Rewrite cost: the model, prompt version, tokens
// and latency of an answer that could not be used (the provider bills it all the same),
// and zero for any other failure, which came with no answer.
func Spent(err error) Result {
	var e *Error
	if errors.As(err, &e) && e.unusable {
		return e.spent
	}
	return Result{}
}

// IsUnusable reports whether err is a Draft or Rewrite whose provider answered, but with
// nothing the pipeline can use (empty, refused by the model, cut off, stopped by a
// content filter, or too long to store): Permanent, and asking again would cost as much.
func IsUnusable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.unusable
}

// IsPermanent reports whether err is a Draft or Rewrite failure that retrying the same
// request would not fix (refused by the provider, or an unusable answer), as opposed to an
// unavailable provider.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// IsCanceled reports whether err is a call stopped by the caller's context (shutdown, say):
// the stage did not fail and may run again.
func IsCanceled(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.cancelled
}
