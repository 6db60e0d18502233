// Package ratelimit limits attempts per key (an IP, an account) with one contract and two backends: in-process and Redis.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Limit allows Rate events per Period on average, and up to Burst at once after a quiet spell.
// Both backends use the same token-bucket (GCRA) semantics: a full key admits Burst events,
// then one more every Period/Rate.
type Limit struct {
	Rate   int
	Burst  int
	Period time.Duration
}

// PerMinute is n events a minute with a burst of n, the usual shape for login attempts.
func PerMinute(n int) Limit { return Limit{Rate: n, Burst: n, Period: time.Minute} }

// PerHour is n events an hour with a burst of n.
func PerHour(n int) Limit { return Limit{Rate: n, Burst: n, Period: time.Hour} }

// String describes the limit, such as "5/1m0s (burst 5)".
func (l Limit) String() string { return fmt.Sprintf("%d/%s (burst %d)", l.Rate, l.Period, l.Burst) }

// ErrInvalidLimit is returned by Allow and AllowN for a Limit whose Rate, Burst or Period
// is not positive, and by AllowN for an n below 1 or above the burst (it could never pass).
var ErrInvalidLimit = errors.New("ratelimit: invalid limit")

func (l Limit) validate(n int) error {
	if l.Rate <= 0 || l.Burst <= 0 || l.Period <= 0 {
		return fmt.Errorf("%w: %s", ErrInvalidLimit, l)
	}
	if n < 1 || n > l.Burst {
		return fmt.Errorf("%w: %d events at once under %s", ErrInvalidLimit, n, l)
	}
	return nil
}

// Result is the answer to one Allow.
type Result struct {
	// Allowed reports whether this event may happen; a denied event costs nothing.
	Allowed bool
	// Remaining is how many more events the key would admit right now.
	Remaining int
	// RetryAfter is the wait until the next event (the n events of AllowN) may pass;
	// zero when Allowed.
	RetryAfter time.Duration
	// ResetAfter is the wait until the key is full again (Remaining = Burst) if nothing
	// more is spent; zero when it is full.
	ResetAfter time.Duration
}

// Limiter counts events per key. Implementations are safe for concurrent use.
type Limiter interface {
	// Allow records one event for key if limit admits it. Keys used with one Limit should
	// always be used with that Limit. It fails with ErrInvalidLimit for a bad limit, and with
	// the backend's error when the backend is unreachable.
	Allow(ctx context.Context, key string, limit Limit) (Result, error)
	// AllowN records n events at once for key if limit admits all of them, and none
	// otherwise: a cost-based budget charges an operation's cost this way. n must be 1 to
	// limit.Burst (ErrInvalidLimit otherwise). A denied AllowN reports Remaining 0 from a
	// store; a leased limiter (NewLeased) reports what its lease still holds, fewer than n.
	AllowN(ctx context.Context, key string, limit Limit, n int) (Result, error)
	// Reset forgets key, giving it a full burst again (for example after a successful login).
	// Resetting an unknown key is not an error.
	Reset(ctx context.Context, key string) error
}
