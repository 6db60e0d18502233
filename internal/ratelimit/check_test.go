package ratelimit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"backbone/internal/errs"
	"backbone/internal/ratelimit"
)

func TestCheckAllowsWithinTheLimit(t *testing.T) {
	t.Parallel()
	l := ratelimit.NewMemory(10)
	if err := ratelimit.Check(context.Background(), nil, l, "k", ratelimit.PerMinute(1)); err != nil {
		t.Fatalf("first attempt: %v", err)
	}
}

func TestCheckDeniesWithRetryAfterInSeconds(t *testing.T) {
	t.Parallel()
	l := ratelimit.NewMemory(10)
	limit := ratelimit.PerHour(1)
	_ = ratelimit.Check(context.Background(), nil, l, "k", limit)

	err := ratelimit.Check(context.Background(), nil, l, "k", limit)
	if code := errs.CodeOf(err); code != errs.RateLimited {
		t.Fatalf("second attempt: code %s (%v), want %s", code, err, errs.RateLimited)
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("second attempt: %T is not *errs.Error", err)
	}
	secs, ok := e.Extensions["retryAfter"].(int)
	if !ok || secs < 3500 || secs > 3600 {
		t.Fatalf("retryAfter extension %#v, want whole seconds just under 3600", e.Extensions["retryAfter"])
	}
}

func TestCheckFailsOpenWhenTheBackendIsDown(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	l := ratelimit.NewRedis(deadRedisClient(t), "x:")
	if err := ratelimit.Check(context.Background(), log, l, "k", ratelimit.PerMinute(1)); err != nil {
		t.Fatalf("Check with Redis down: %v, want nil (fail open)", err)
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("Check with Redis down logged %q, want a warning", logs.String())
	}
}

func TestCheckReturnsAnErrorWhenTheContextHasEnded(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l := ratelimit.NewRedis(newRedisClient(t), newPrefix(t))
	if err := ratelimit.Check(ctx, nil, l, "k", ratelimit.PerMinute(1)); err == nil {
		t.Fatal("Check with an ended context: got nil, want an error")
	}
}

func TestCheckRejectsAnInvalidLimitAsInternal(t *testing.T) {
	t.Parallel()
	err := ratelimit.Check(context.Background(), nil, ratelimit.NewMemory(10), "k", ratelimit.Limit{Rate: 1})
	if code := errs.CodeOf(err); err == nil || code != errs.Internal {
		t.Fatalf("invalid limit: got %v (code %s), want %s", err, code, errs.Internal)
	}
}

func TestRetryAfterSecondsRoundsUpToAtLeastOne(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   time.Duration
		want int
	}{
		{0, 1},
		{time.Millisecond, 1},
		{time.Second, 1},
		{time.Second + time.Nanosecond, 2},
		{59*time.Second + 500*time.Millisecond, 60},
	} {
		if got := ratelimit.RetryAfterSeconds(tc.in); got != tc.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// closedAddr returns a local address that refuses connections.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func TestPointsAreComplexityOverAHundredRoundedUpAtLeastOne(t *testing.T) {
	t.Parallel()
	for complexity, want := range map[int]int{0: 1, 1: 1, 100: 1, 101: 2, 250: 3, 1000: 10} {
		if got := ratelimit.Points(complexity); got != want {
			t.Errorf("Points(%d) = %d, want %d", complexity, got, want)
		}
	}
}
