package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"backbone/internal/ratelimit"
	"backbone/internal/ratelimit/ratelimittest"
)

func TestMemoryContract(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, func(*testing.T) ratelimit.Limiter { return ratelimit.NewMemory(100) })
}

func TestMemoryForgetsTheLeastRecentlyUsedKeyPastItsBound(t *testing.T) {
	t.Parallel()
	l := ratelimit.NewMemory(2)
	limit := ratelimit.Limit{Rate: 1, Burst: 1, Period: time.Hour}
	allowed := func(key string) bool {
		t.Helper()
		res, err := l.Allow(context.Background(), key, limit)
		if err != nil {
			t.Fatalf("Allow(%q): %v", key, err)
		}
		return res.Allowed
	}
	if !allowed("a") || !allowed("b") {
		t.Fatal("first attempts on a and b were denied")
	}
	if allowed("a") || allowed("b") {
		t.Fatal("second attempts on a and b were allowed while both are remembered")
	}
	if !allowed("c") { // evicts a, the least recently used
		t.Fatal("first attempt on c was denied")
	}
	if allowed("b") {
		t.Fatal("b was forgotten; a was the least recently used")
	}
	if !allowed("a") {
		t.Fatal("a is still limited past the bound of 2 keys")
	}
}

func TestMemoryUsesADefaultBoundForZero(t *testing.T) {
	t.Parallel()
	l := ratelimit.NewMemory(0)
	res, err := l.Allow(context.Background(), "k", ratelimit.PerMinute(5))
	if err != nil || !res.Allowed || res.Remaining != 4 {
		t.Fatalf("got %+v, %v; want allowed with remaining 4", res, err)
	}
}

// With a clock of its own the refill is exact: after half the period half the burst is
// back, after the whole period all of it, and no test has to wait.
func TestMemoryRefillsByTheClock(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := ratelimit.NewMemory(10, ratelimit.WithClock(func() time.Time { return now }))
	limit := ratelimit.Limit{Rate: 100, Burst: 100, Period: time.Hour}
	res, err := l.AllowN(context.Background(), "k", limit, 100)
	if err != nil || !res.Allowed || res.Remaining != 0 || res.ResetAfter != time.Hour {
		t.Fatalf("spending the burst: got %+v, %v; want allowed, remaining 0, ResetAfter 1h", res, err)
	}
	if res, _ := l.AllowN(context.Background(), "k", limit, 1); res.Allowed || res.RetryAfter != 36*time.Second {
		t.Fatalf("when spent: got %+v, want denied with RetryAfter 36s", res)
	}
	now = now.Add(30 * time.Minute)
	if res, _ := l.AllowN(context.Background(), "k", limit, 50); !res.Allowed || res.Remaining != 0 {
		t.Fatalf("after half an hour: got %+v, want 50 allowed with remaining 0", res)
	}
	now = now.Add(time.Hour)
	if res, _ := l.AllowN(context.Background(), "k", limit, 1); !res.Allowed || res.Remaining != 99 {
		t.Fatalf("after a whole period: got %+v, want allowed with remaining 99", res)
	}
}
