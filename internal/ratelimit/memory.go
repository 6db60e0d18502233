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
}

// NewMemory returns an in-process Limiter remembering at most maxKeys keys (least recently
// used first out). Its budget is per process: use NewRedis when several instances serve.
func NewMemory(maxKeys int) Limiter {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	keys, err := simplelru.NewLRU[string, *rate.Limiter](maxKeys, nil)
	if err != nil { // only for a non-positive size, excluded above
		panic(err)
	}
	return &memory{keys: keys}
}

// Allow implements Limiter.
func (m *memory) Allow(_ context.Context, key string, l Limit) (Result, error) {
	if err := l.validate(); err != nil {
		return Result{}, err
	}
	every := rate.Limit(float64(l.Rate) / l.Period.Seconds())

	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now() // read under the lock so that calls reach a bucket in time order
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
	if tokens < 1 {
		wait := (1 - tokens) / float64(every) * float64(time.Second)
		return Result{RetryAfter: time.Duration(math.Ceil(wait))}, nil
	}
	lim.AllowN(now, 1)
	return Result{Allowed: true, Remaining: int(tokens - 1)}, nil
}

// Reset implements Limiter.
func (m *memory) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys.Remove(key)
	return nil
}
