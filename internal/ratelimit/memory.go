package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// DefaultMaxKeys is the key bound NewMemory uses when given zero or less: at roughly
// 200 bytes a key, about 20 MB.
const DefaultMaxKeys = 100_000

// memory keeps one token bucket per key in a bounded LRU. Evicting a key forgets its
// history, which only ever lets that key through sooner; the bound keeps a flood of
// distinct keys (spoofed IPs, random e-mails) from exhausting memory.
type memory struct {
	mu   sync.Mutex // guards keys and makes check-then-take atomic per call
	keys *simplelru.LRU[string, *rate.Limiter]
	now  func() time.Time
}

// MemoryOption tunes NewMemory.
type MemoryOption func(*memory)

// WithClock makes the limiter read the time from now, so that a test can let an hour
// pass without waiting for it.
func WithClock(now func() time.Time) MemoryOption { return func(m *memory) { m.now = now } }

// NewMemory returns an in-process Limiter remembering at most maxKeys keys (least recently
// used first out). Its budget is per process: use NewRedis when several instances serve.
func NewMemory(maxKeys int, opts ...MemoryOption) Limiter {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	keys, err := simplelru.NewLRU[string, *rate.Limiter](maxKeys, nil)
	if err != nil { // only for a non-positive size, excluded above
		panic(err)
	}
	m := &memory{keys: keys, now: time.Now}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Allow implements Limiter.
func (m *memory) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	return m.AllowN(ctx, key, l, 1)
}

// AllowN implements Limiter.
func (m *memory) AllowN(_ context.Context, key string, l Limit, n int) (Result, error) {
	if err := l.validate(n); err != nil {
		return Result{}, err
	}
	every := rate.Limit(float64(l.Rate) / l.Period.Seconds())

	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now() // read under the lock so that calls reach a bucket in time order
	lim, ok := m.keys.Get(key)
	switch {
	case !ok:
		lim = rate.NewLimiter(every, l.Burst)
		m.keys.Add(key, lim)
	case lim.Limit() != every || lim.Burst() != l.Burst:
		lim.SetLimitAt(now, every)
		lim.SetBurstAt(now, l.Burst)
	}

	tokens := lim.TokensAt(now)
	need := float64(n)
	if tokens < need {
		return Result{RetryAfter: waitFor(need-tokens, every), ResetAfter: waitFor(float64(l.Burst)-tokens, every)}, nil
	}
	lim.AllowN(now, n)
	left := tokens - need
	return Result{Allowed: true, Remaining: int(left), ResetAfter: waitFor(float64(l.Burst)-left, every)}, nil
}

// waitFor is how long tokens take to come back at every tokens a second.
func waitFor(tokens float64, every rate.Limit) time.Duration {
	if tokens <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(tokens / float64(every) * float64(time.Second)))
}

// Reset implements Limiter.
func (m *memory) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys.Remove(key)
	return nil
}
