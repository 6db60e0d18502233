package main

import (
	"time"

	"backbone/graph"
	"backbone/graph/gqlws"
	"backbone/internal/ratelimit"
)

// rateLimiter counts attempts in Redis when it is configured, so that every instance
// shares the budgets, and in process otherwise.
func (a *app) rateLimiter() ratelimit.Limiter {
	if a.redis != nil {
		return ratelimit.NewRedis(a.redis, a.cfg.Namespace+":")
	}
	return ratelimit.NewMemory(0)
}

// rateBudgets are the cost-based budgets every GraphQL operation is charged to, per
// user, API key and anonymous address (RATE_BUDGET_*). Through Redis each instance
// leases a hundredth of a budget at a time, so that charging an operation rarely costs a
// round trip.
func (a *app) rateBudgets() *graph.RateBudgets {
	limiter := a.rateLimiter()
	if a.redis != nil {
		limiter = ratelimit.NewLeased(limiter, ratelimit.DefaultLeaseDivisor, 0)
	}
	return &graph.RateBudgets{
		Limiter:   limiter,
		User:      a.cfg.RateBudgetUser,
		APIKey:    a.cfg.RateBudgetAPIKey,
		Anonymous: a.cfg.RateBudgetAnonymous,
		Window:    a.cfg.RateBudgetWindow,
		Log:       a.log,
	}
}

// handshakeLimit bounds the websocket upgrades per client address (WS_HANDSHAKES_PER_IP
// a minute; 0: none).
func (a *app) handshakeLimit() gqlws.HandshakeLimit {
	if a.cfg.WSHandshakesPerIP <= 0 {
		return gqlws.HandshakeLimit{}
	}
	n := a.cfg.WSHandshakesPerIP
	return gqlws.HandshakeLimit{Limiter: a.rateLimiter(), PerIP: ratelimit.Limit{Rate: n, Burst: n, Period: time.Minute}}
}
