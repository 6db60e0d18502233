package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"time"

	"backbone/internal/errs"
)

// Check records one attempt for key and returns nil when limit admits it. When it does not,
// Check returns a RATE_LIMITED error whose "retryAfter" extension is the wait in whole
// seconds, rounded up (at least 1).
//
// Check fails open: when the backend cannot answer (Redis down or slow), it logs a warning
// on log and returns nil. Login and token refresh stay available during a Redis outage;
// failing closed would lock every user out and, as access tokens expire, log everyone out.
// Password hashing still slows guessing meanwhile. Two failures are not backend failures
// and do return an error: an invalid limit (INTERNAL, a bug to surface) and a context that
// ended (the caller has gone). log may be nil.
//
// Codes: RATE_LIMITED, INTERNAL.
func Check(ctx context.Context, log *slog.Logger, l Limiter, key string, limit Limit) error {
	const op = "ratelimit.Check"
	res, err := l.Allow(ctx, key, limit)
	switch {
	case errors.Is(err, ErrInvalidLimit):
		return errs.Wrap(op, err)
	case err != nil && ctx.Err() != nil:
		return errs.Wrap(op, ctx.Err())
	case err != nil:
		if log != nil {
			// The key is left out: it may be an e-mail address.
			log.WarnContext(ctx, "rate limiter unavailable, allowing the attempt", "limit", limit.String(), "err", err)
		}
		return nil
	case !res.Allowed:
		return errs.E(errs.RateLimited, "too many attempts, try again later").
			With("retryAfter", RetryAfterSeconds(res.RetryAfter))
	}
	return nil
}

// RetryAfterSeconds rounds d up to whole seconds, at least 1, as for a Retry-After header.
func RetryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
