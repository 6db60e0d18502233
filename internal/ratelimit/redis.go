package ratelimit

import (
	"context"
	"fmt"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// redisLimiter runs GCRA in one Lua script per call, so that every instance on the same
// Redis shares one budget per key and concurrent calls cannot overspend it.
type redisLimiter struct {
	rl     *redis_rate.Limiter
	prefix string
}

// NewRedis returns a Limiter whose state lives in Redis, shared by every server instance
// using the same prefix. Keys are stored as "rate:" + prefix + key and expire on their own
// once full again. client may be a *redis.Client or a cluster client.
func NewRedis(client redis.UniversalClient, prefix string) Limiter {
	return &redisLimiter{rl: redis_rate.NewLimiter(client), prefix: prefix}
}

// Allow implements Limiter.
func (r *redisLimiter) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	return r.AllowN(ctx, key, l, 1)
}

// AllowN implements Limiter.
func (r *redisLimiter) AllowN(ctx context.Context, key string, l Limit, n int) (Result, error) {
	if err := l.validate(n); err != nil {
		return Result{}, err
	}
	res, err := r.rl.AllowN(ctx, r.prefix+key, redis_rate.Limit{Rate: l.Rate, Burst: l.Burst, Period: l.Period}, n)
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: redis allow: %w", err)
	}
	reset := max(res.ResetAfter, 0)
	if res.Allowed == 0 {
		return Result{Remaining: res.Remaining, RetryAfter: max(res.RetryAfter, 0), ResetAfter: reset}, nil
	}
	return Result{Allowed: true, Remaining: res.Remaining, ResetAfter: reset}, nil
}

// Reset implements Limiter.
func (r *redisLimiter) Reset(ctx context.Context, key string) error {
	if err := r.rl.Reset(ctx, r.prefix+key); err != nil {
		return fmt.Errorf("ratelimit: redis reset: %w", err)
	}
	return nil
}
