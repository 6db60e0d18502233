package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// DefaultLeaseDivisor makes a lease 1% of a key's burst.
const DefaultLeaseDivisor = 100

// leased takes tokens from a shared Limiter in leases of a fraction of the burst and spends
// them in process, so that most calls make no round trip to the shared store. Every token
// it admits was taken from the shared budget first, so instances together never spend more
// than the shared bucket gives; what leasing changes is when they take it:
//   - a caller may spend, after a quiet spell, up to one lease more than its burst on each
//     instance holding unspent tokens of its key (they were taken earlier and stay valid);
//   - tokens an instance leased but has not spent are not available to the others, so a
//     caller spreading its calls over instances may be refused up to one lease per
//     instance early.
//
// When the shared bucket holds less than a lease, calls ask it for exactly what they need,
// so a caller alone can spend its whole budget, and a denied call costs nothing.
type leased struct {
	shared  Limiter
	divisor int

	mu   sync.Mutex // guards keys only; each lease has its own lock
	keys *simplelru.LRU[string, *lease]
}

// lease is an instance's share of one key.
type lease struct {
	mu     sync.Mutex
	limit  Limit
	tokens int // leased and not yet spent
	// shared, sharedAt and resetAt are the shared store's last answer: its remaining tokens
	// then, and when it would be full again. known is false before any answer.
	known    bool
	shared   int
	sharedAt time.Time
	resetAt  time.Time
	// refilling is open while one call is asking the shared store for more; others wait
	// for it rather than each making a round trip.
	refilling chan struct{}
}

// NewLeased returns a Limiter spending tokens taken from shared in leases of
// Burst/divisor (at least what the call needs; DefaultLeaseDivisor when divisor < 1),
// remembering the leases of at most maxKeys keys (DefaultMaxKeys when maxKeys < 1).
// A forgotten lease's unspent tokens are lost to its key, never given twice. It suits
// budgets that are large compared with one call's cost; for a handful of attempts (sign-in
// limits) a lease is one token and it only adds bookkeeping.
func NewLeased(shared Limiter, divisor, maxKeys int) Limiter {
	if divisor < 1 {
		divisor = DefaultLeaseDivisor
	}
	if maxKeys < 1 {
		maxKeys = DefaultMaxKeys
	}
	keys, err := simplelru.NewLRU[string, *lease](maxKeys, nil)
	if err != nil { // only for a non-positive size, excluded above
		panic(err)
	}
	return &leased{shared: shared, divisor: divisor, keys: keys}
}

// Allow implements Limiter.
func (l *leased) Allow(ctx context.Context, key string, limit Limit) (Result, error) {
	return l.AllowN(ctx, key, limit, 1)
}

// AllowN implements Limiter: from the key's lease when it holds n tokens, otherwise after
// one call to the shared store (two when it cannot pay for a whole lease but may for n).
func (l *leased) AllowN(ctx context.Context, key string, limit Limit, n int) (Result, error) {
	if err := limit.validate(n); err != nil {
		return Result{}, err
	}
	le := l.lease(key)
	le.mu.Lock()
	for {
		if le.limit != limit { // a key used with another limit: start afresh
			le.limit, le.tokens, le.known = limit, 0, false
		}
		if le.tokens >= n {
			le.tokens -= n
			res := le.allowed(time.Now())
			le.mu.Unlock()
			return res, nil
		}
		if le.refilling == nil {
			break
		}
		wait := le.refilling
		le.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
		le.mu.Lock()
	}

	need := n - le.tokens
	ask := need
	if batch := min(limit.Burst, max(need, limit.Burst/l.divisor)); batch > need && !le.short(time.Now(), batch) {
		ask = batch
	}
	done := make(chan struct{})
	le.refilling = done
	le.mu.Unlock()

	res, err := l.shared.AllowN(ctx, key, limit, ask)
	if err == nil && !res.Allowed && ask > need {
		ask = need
		res, err = l.shared.AllowN(ctx, key, limit, ask)
	}
	now := time.Now()

	le.mu.Lock()
	defer le.mu.Unlock()
	le.refilling = nil
	close(done)
	if err != nil {
		return Result{}, err
	}
	if le.limit != limit { // another call changed the key's limit meanwhile
		return res, nil
	}
	le.known, le.shared, le.sharedAt, le.resetAt = true, res.Remaining, now, now.Add(res.ResetAfter)
	if !res.Allowed {
		// The lease's unspent tokens are still the caller's to spend on this instance.
		res.Remaining = min(limit.Burst, res.Remaining+le.tokens)
		return res, nil
	}
	le.tokens += ask - n
	return le.allowed(now), nil
}

// short reports whether the shared store, at its last answer plus what has come back
// since, held fewer than batch tokens: then asking for a whole lease would be refused.
func (le *lease) short(now time.Time, batch int) bool {
	return le.known && le.sharedNow(now) < batch
}

// sharedNow estimates the shared store's remaining tokens: its last answer plus what has
// come back since (other instances may have spent some).
func (le *lease) sharedNow(now time.Time) int {
	interval := le.limit.Period / time.Duration(le.limit.Rate)
	back := 0
	if interval > 0 {
		back = int(now.Sub(le.sharedAt) / interval)
	}
	return min(le.limit.Burst, le.shared+back)
}

// allowed is the answer to an admitted call: the caller's remaining tokens are its lease
// and the shared store's estimate, at most the burst (the lease's tokens came out of the
// store, whose estimate counts the tokens come back since up to the burst), and it is
// full again when the store would be, less what the lease holds.
func (le *lease) allowed(now time.Time) Result {
	interval := le.limit.Period / time.Duration(le.limit.Rate)
	return Result{
		Allowed:    true,
		Remaining:  min(le.limit.Burst, le.tokens+le.sharedNow(now)),
		ResetAfter: max(0, le.resetAt.Sub(now)-time.Duration(le.tokens)*interval),
	}
}

// lease returns key's lease, making it on first use.
func (l *leased) lease(key string) *lease {
	l.mu.Lock()
	defer l.mu.Unlock()
	le, ok := l.keys.Get(key)
	if !ok {
		le = &lease{}
		l.keys.Add(key, le)
	}
	return le
}

// Reset implements Limiter: it drops this instance's lease of key and resets the shared
// key. Other instances keep their leases: reset keys (sign-in limits) are not leased.
func (l *leased) Reset(ctx context.Context, key string) error {
	l.mu.Lock()
	if le, ok := l.keys.Peek(key); ok {
		le.mu.Lock()
		le.tokens, le.known = 0, false
		le.mu.Unlock()
	}
	l.mu.Unlock()
	return l.shared.Reset(ctx, key)
}
