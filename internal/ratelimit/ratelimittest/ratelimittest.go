// Package ratelimittest is the contract every ratelimit.Limiter implementation must meet.
package ratelimittest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"backbone/internal/ratelimit"
)

// hour is a period long enough that no token comes back while a test runs, however loaded
// the machine: tests on it assert exact counts without any timing.
const hour = time.Hour

// Run runs the contract against limiters made by newLimiter. Each call must return a
// Limiter whose keys no other call shares (a fresh process, or a random Redis prefix).
func Run(t *testing.T, newLimiter func(t *testing.T) ratelimit.Limiter) {
	t.Run("BurstIsAllowedThenDenied", func(t *testing.T) { t.Parallel(); testBurst(t, newLimiter(t)) })
	t.Run("RetryAfterFollowsPeriodOverRate", func(t *testing.T) { t.Parallel(); testRetryAfter(t, newLimiter(t)) })
	t.Run("KeysAreIndependent", func(t *testing.T) { t.Parallel(); testKeys(t, newLimiter(t)) })
	t.Run("ResetRestoresTheBurst", func(t *testing.T) { t.Parallel(); testReset(t, newLimiter(t)) })
	t.Run("TokensComeBackAfterThePeriod", func(t *testing.T) { t.Parallel(); testRefill(t, newLimiter(t)) })
	t.Run("ConcurrentCallsAdmitExactlyTheBurst", func(t *testing.T) { t.Parallel(); testConcurrent(t, newLimiter(t)) })
	t.Run("InvalidLimitIsRejected", func(t *testing.T) { t.Parallel(); testInvalid(t, newLimiter(t)) })
	t.Run("AllowNChargesNAtOnce", func(t *testing.T) { t.Parallel(); testAllowN(t, newLimiter(t)) })
	t.Run("AllowNBeyondTheRemainderChargesNothing", func(t *testing.T) { t.Parallel(); testAllowNDenied(t, newLimiter(t)) })
	t.Run("AllowNRejectsAnImpossibleN", func(t *testing.T) { t.Parallel(); testAllowNInvalid(t, newLimiter(t)) })
	t.Run("ResetAfterIsTheWaitUntilFull", func(t *testing.T) { t.Parallel(); testResetAfter(t, newLimiter(t)) })
	t.Run("RemainingNeverExceedsTheBurst", func(t *testing.T) { t.Parallel(); testRemainingBounded(t, newLimiter(t)) })
}

// testAllowN spends different amounts from one key: each call takes exactly its n.
func testAllowN(t *testing.T, l ratelimit.Limiter) {
	limit := ratelimit.Limit{Rate: 100, Burst: 100, Period: hour}
	left := 100
	for _, n := range []int{1, 7, 30, 2} {
		left -= n
		res := mustAllowN(t, l, "k", limit, n)
		if !res.Allowed || res.Remaining != left {
			t.Fatalf("AllowN(%d): got %+v, want allowed with remaining %d", n, res, left)
		}
	}
	if res := mustAllowN(t, l, "other", limit, 40); !res.Allowed || res.Remaining != 60 {
		t.Fatalf("AllowN(40) on another key: got %+v, want allowed with remaining 60", res)
	}
}

// testAllowNDenied asks for more than is left: denied, and what was left stays.
func testAllowNDenied(t *testing.T, l ratelimit.Limiter) {
	limit := ratelimit.Limit{Rate: 10, Burst: 10, Period: hour}
	mustAllowN(t, l, "k", limit, 7)
	res := mustAllowN(t, l, "k", limit, 5)
	interval := hour / 10
	// Two more tokens are needed: two emission intervals, less the seconds a loaded
	// machine may take between calls.
	if res.Allowed || res.Remaining != 0 || res.RetryAfter > 2*interval || res.RetryAfter < 2*interval-time.Minute {
		t.Fatalf("AllowN(5) with 3 left: got %+v, want denied with RetryAfter just under %v", res, 2*interval)
	}
	if res := mustAllowN(t, l, "k", limit, 3); !res.Allowed || res.Remaining != 0 {
		t.Fatalf("AllowN(3) after the denial: got %+v, want allowed with remaining 0 (the denial took nothing)", res)
	}
}

func testAllowNInvalid(t *testing.T, l ratelimit.Limiter) {
	limit := ratelimit.Limit{Rate: 5, Burst: 5, Period: hour}
	for _, n := range []int{0, -1, 6} {
		if _, err := l.AllowN(context.Background(), "k", limit, n); !errors.Is(err, ratelimit.ErrInvalidLimit) {
			t.Errorf("AllowN(%d) with a burst of 5: got error %v, want ErrInvalidLimit", n, err)
		}
	}
}

// testResetAfter: a full key has nothing to wait for; after spending n it waits n
// emission intervals (less the seconds a loaded machine may take), denied or not.
func testResetAfter(t *testing.T, l ratelimit.Limiter) {
	limit := ratelimit.Limit{Rate: 60, Burst: 60, Period: hour} // one a minute
	res := mustAllowN(t, l, "k", limit, 3)
	if !res.Allowed || res.ResetAfter > 3*time.Minute || res.ResetAfter < 2*time.Minute {
		t.Fatalf("after spending 3: got %+v, want ResetAfter just under 3m", res)
	}
	mustAllowN(t, l, "k", limit, 57)
	res = mustAllowN(t, l, "k", limit, 1)
	if res.Allowed || res.ResetAfter > hour || res.ResetAfter < hour-time.Minute {
		t.Fatalf("when spent: got %+v, want denied with ResetAfter just under 1h", res)
	}
}

func mustAllowN(t *testing.T, l ratelimit.Limiter, key string, limit ratelimit.Limit, n int) ratelimit.Result {
	t.Helper()
	res, err := l.AllowN(context.Background(), key, limit, n)
	if err != nil {
		t.Fatalf("AllowN(%q, %s, %d): %v", key, limit, n, err)
	}
	return res
}

func testBurst(t *testing.T, l ratelimit.Limiter) {
	limit := ratelimit.Limit{Rate: 3, Burst: 3, Period: hour}
	for want := 2; want >= 0; want-- {
		res := mustAllow(t, l, "k", limit)
		if !res.Allowed || res.Remaining != want || res.RetryAfter != 0 {
			t.Fatalf("within burst: got %+v, want allowed with remaining %d", res, want)
		}
	}
	for range 3 { // denied attempts cost nothing and keep being denied
		res := mustAllow(t, l, "k", limit)
		if res.Allowed || res.Remaining != 0 {
			t.Fatalf("past burst: got %+v, want denied with remaining 0", res)
		}
		if res.RetryAfter <= 0 || res.RetryAfter > limit.Period/time.Duration(limit.Rate) {
			t.Fatalf("past burst: RetryAfter %v, want in (0, %v]", res.RetryAfter, limit.Period/3)
		}
	}
}

// testRetryAfter uses a burst larger than the rate: the wait is still one emission interval.
func testRetryAfter(t *testing.T, l ratelimit.Limiter) {
	limit := ratelimit.Limit{Rate: 2, Burst: 4, Period: hour}
	exhaust(t, l, "k", limit, 4)
	res := mustAllow(t, l, "k", limit)
	interval := hour / 2
	// A loaded machine may take seconds between calls, never minutes.
	if res.Allowed || res.RetryAfter > interval || res.RetryAfter < interval-time.Minute {
		t.Fatalf("got %+v, want denied with RetryAfter just under %v", res, interval)
	}
}

func testKeys(t *testing.T, l ratelimit.Limiter) {
	limit := ratelimit.Limit{Rate: 1, Burst: 2, Period: hour}
	exhaust(t, l, "a", limit, 2)
	if res := mustAllow(t, l, "a", limit); res.Allowed {
		t.Fatalf("key a past its burst: got %+v, want denied", res)
	}
	for _, key := range []string{"b", "a2", "A"} {
		if res := mustAllow(t, l, key, limit); !res.Allowed || res.Remaining != 1 {
			t.Fatalf("key %q after a is exhausted: got %+v, want allowed with remaining 1", key, res)
		}
	}
}

func testReset(t *testing.T, l ratelimit.Limiter) {
	ctx := context.Background()
	limit := ratelimit.Limit{Rate: 1, Burst: 3, Period: hour}
	exhaust(t, l, "k", limit, 3)
	if err := l.Reset(ctx, "k"); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if res := mustAllow(t, l, "k", limit); !res.Allowed || res.Remaining != 2 {
		t.Fatalf("after Reset: got %+v, want allowed with remaining 2", res)
	}
	if err := l.Reset(ctx, "never-used"); err != nil {
		t.Fatalf("Reset of an unknown key: %v", err)
	}
}

// testRefill waits for real time to pass, so it only asserts that a token comes back
// within a generous deadline, never how fast.
func testRefill(t *testing.T, l ratelimit.Limiter) {
	limit := ratelimit.Limit{Rate: 1, Burst: 2, Period: 200 * time.Millisecond}
	var denied ratelimit.Result
	for i := 0; ; i++ { // tokens refill while we spend them: spend until the first denial
		if i == 1000 {
			t.Fatal("1000 attempts in a row were allowed at 1 per 200ms")
		}
		if denied = mustAllow(t, l, "k", limit); !denied.Allowed {
			break
		}
	}
	if denied.RetryAfter <= 0 || denied.RetryAfter > limit.Period+5*time.Millisecond {
		t.Fatalf("denied RetryAfter %v, want in (0, %v]", denied.RetryAfter, limit.Period)
	}
	time.Sleep(denied.RetryAfter)
	deadline := time.Now().Add(10 * time.Second)
	for !mustAllow(t, l, "k", limit).Allowed {
		if time.Now().After(deadline) {
			t.Fatalf("no token came back within 10s at 1 per %v", limit.Period)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testRemainingBounded spends a little while tokens come back: whatever the timing, no
// answer says more remain than the burst (a lease and the shared store's refill were
// once both counted: a user's budget of 5,000 showed 5,037).
func testRemainingBounded(t *testing.T, l ratelimit.Limiter) {
	// A token back every millisecond; a leased limiter holds a hundredth of the burst.
	limit := ratelimit.Limit{Rate: 1000, Burst: 1000, Period: time.Second}
	for i := range 40 {
		if res := mustAllow(t, l, "k", limit); res.Remaining > limit.Burst {
			t.Fatalf("call %d: remaining %d of a burst of %d", i+1, res.Remaining, limit.Burst)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testConcurrent(t *testing.T, l ratelimit.Limiter) {
	limit := ratelimit.Limit{Rate: 5, Burst: 5, Period: hour}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
		errs    []error
	)
	for range 32 {
		wg.Go(func() {
			res, err := l.Allow(context.Background(), "k", limit)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else if res.Allowed {
				allowed++
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Allow: %v", err)
	}
	if allowed != limit.Burst {
		t.Fatalf("32 concurrent attempts: %d allowed, want exactly %d", allowed, limit.Burst)
	}
}

func testInvalid(t *testing.T, l ratelimit.Limiter) {
	for name, limit := range map[string]ratelimit.Limit{
		"zero limit":      {},
		"zero rate":       {Burst: 1, Period: hour},
		"zero burst":      {Rate: 1, Period: hour},
		"zero period":     {Rate: 1, Burst: 1},
		"negative period": {Rate: 1, Burst: 1, Period: -time.Second},
	} {
		if _, err := l.Allow(context.Background(), "k", limit); !errors.Is(err, ratelimit.ErrInvalidLimit) {
			t.Errorf("%s: got error %v, want ErrInvalidLimit", name, err)
		}
	}
}

func exhaust(t *testing.T, l ratelimit.Limiter, key string, limit ratelimit.Limit, n int) {
	t.Helper()
	for i := range n {
		if res := mustAllow(t, l, key, limit); !res.Allowed {
			t.Fatalf("attempt %d of a burst of %d: got %+v, want allowed", i+1, n, res)
		}
	}
}

func mustAllow(t *testing.T, l ratelimit.Limiter, key string, limit ratelimit.Limit) ratelimit.Result {
	t.Helper()
	res, err := l.Allow(context.Background(), key, limit)
	if err != nil {
		t.Fatalf("Allow(%q, %s): %v", key, limit, err)
	}
	return res
}
