package main

import "backbone/internal/ratelimit"

// rateLimiter counts attempts in Redis when it is configured, so that every instance
// shares the budgets, and in process otherwise.
func (a *app) rateLimiter() ratelimit.Limiter {
	if a.redis != nil {
		return ratelimit.NewRedis(a.redis, a.cfg.Namespace+":")
	}
	return ratelimit.NewMemory(0)
}
