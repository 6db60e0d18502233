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
