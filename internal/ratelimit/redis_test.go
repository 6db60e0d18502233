package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"backbone/internal/ratelimit"
	"backbone/internal/ratelimit/ratelimittest"
	"backbone/internal/testenv"
)

func TestRedisContract(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, func(t *testing.T) ratelimit.Limiter {
		return ratelimit.NewRedis(newRedisClient(t), newPrefix(t))
	})
}

// Two limiters on two connections stand for two server processes.
func TestRedisInstancesShareOneBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	prefix := newPrefix(t)
	a := ratelimit.NewRedis(newRedisClient(t), prefix)
	b := ratelimit.NewRedis(newRedisClient(t), prefix)
	limit := ratelimit.Limit{Rate: 4, Burst: 4, Period: time.Hour}

	for i, l := range []ratelimit.Limiter{a, b, a, b} {
		if res := mustAllow(t, l, "k", limit); !res.Allowed || res.Remaining != 3-i {
			t.Fatalf("attempt %d: got %+v, want allowed with remaining %d", i+1, res, 3-i)
		}
	}
	for name, l := range map[string]ratelimit.Limiter{"a": a, "b": b} {
		if res := mustAllow(t, l, "k", limit); res.Allowed {
			t.Fatalf("instance %s past the shared burst: got %+v, want denied", name, res)
		}
	}
	if err := a.Reset(ctx, "k"); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if res := mustAllow(t, b, "k", limit); !res.Allowed {
		t.Fatalf("instance b after a's Reset: got %+v, want allowed", res)
	}
}

func TestRedisPrefixesSeparateBudgets(t *testing.T) {
	t.Parallel()
	client := newRedisClient(t)
	a := ratelimit.NewRedis(client, newPrefix(t))
	b := ratelimit.NewRedis(client, newPrefix(t))
	limit := ratelimit.Limit{Rate: 1, Burst: 1, Period: time.Hour}
	if !mustAllow(t, a, "k", limit).Allowed || mustAllow(t, a, "k", limit).Allowed {
		t.Fatal("prefix a: want one attempt allowed, then denied")
	}
	if !mustAllow(t, b, "k", limit).Allowed {
		t.Fatal("prefix b was limited by prefix a's attempts")
	}
}

func TestRedisUnreachableIsAnError(t *testing.T) {
	t.Parallel()
	l := ratelimit.NewRedis(deadRedisClient(t), "x:")
	if _, err := l.Allow(context.Background(), "k", ratelimit.PerMinute(1)); err == nil {
		t.Fatal("Allow against an unreachable Redis: got nil error")
	}
	if err := l.Reset(context.Background(), "k"); err == nil {
		t.Fatal("Reset against an unreachable Redis: got nil error")
	}
}

func newRedisClient(t *testing.T) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.NeedRedis(t))
	if err != nil {
		t.Fatalf("parse Redis URL: %v", err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newPrefix returns a random key prefix and deletes its keys when the test ends.
func newPrefix(t *testing.T) string {
	t.Helper()
	prefix := testenv.RandomName("backbone-test-rl-") + ":"
	client := newRedisClient(t)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, "rate:"+prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	return prefix
}

// deadRedisClient points at a port nothing listens on, with no retries, so calls fail fast.
func deadRedisClient(t *testing.T) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: closedAddr(t), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func mustAllow(t *testing.T, l ratelimit.Limiter, key string, limit ratelimit.Limit) ratelimit.Result {
	t.Helper()
	res, err := l.Allow(context.Background(), key, limit)
	if err != nil {
		t.Fatalf("Allow(%q, %s): %v", key, limit, err)
	}
	return res
}
