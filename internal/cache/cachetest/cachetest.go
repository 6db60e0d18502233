// Package cachetest is the contract every cache.Cache implementation passes.
package cachetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"backbone/internal/cache"
)

// Wait bounds the wait for an entry to expire; generous for loaded machines.
const Wait = 15 * time.Second

// NewCache returns an empty cache for one test. Caches from separate calls must not see
// each other's keys.
type NewCache func(t *testing.T) cache.Cache

// Run runs the contract against the implementation that newCache makes.
func Run(t *testing.T, newCache NewCache) {
	tests := []struct {
		name string
		run  func(*testing.T, cache.Cache)
	}{
		{"misses an absent key", testMiss},
		{"returns what was set, byte for byte", testRoundTrip},
		{"keeps an empty value apart from a miss", testEmptyValue},
		{"replaces a value on Set", testOverwrite},
		{"forgets a deleted key, and deleting twice is fine", testDelete},
		{"expires an entry after its ttl", testExpiry},
		{"keeps an entry without ttl", testNoTTL},
		{"copies values in and out", testCopies},
		{"survives concurrent use", testConcurrent},
		{"answers Ping", testPing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newCache(t))
		})
	}
	t.Run("keeps separate caches apart", func(t *testing.T) {
		t.Parallel()
		a, b := newCache(t), newCache(t)
		MustSet(t, a, "k", "a", time.Minute)
		if _, ok := MustGet(t, b, "k"); ok {
			t.Fatal("a key set in one cache is visible in another")
		}
	})
}

// MustSet sets key or fails the test.
func MustSet(tb testing.TB, c cache.Cache, key, val string, ttl time.Duration) {
	tb.Helper()
	if err := c.Set(context.Background(), key, []byte(val), ttl); err != nil {
		tb.Fatalf("Set(%q): %v", key, err)
	}
}

// MustGet gets key or fails the test.
func MustGet(tb testing.TB, c cache.Cache, key string) (string, bool) {
	tb.Helper()
	v, ok, err := c.Get(context.Background(), key)
	if err != nil {
		tb.Fatalf("Get(%q): %v", key, err)
	}
	return string(v), ok
}

func testMiss(t *testing.T, c cache.Cache) {
	if v, ok := MustGet(t, c, "absent"); ok {
		t.Fatalf("Get(absent) = %q, true; want a miss", v)
	}
}

func testRoundTrip(t *testing.T, c cache.Cache) {
	val := make([]byte, 256)
	for i := range val {
		val[i] = byte(i)
	}
	if err := c.Set(context.Background(), "bin", val, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.Get(context.Background(), "bin")
	if err != nil || !ok || !bytes.Equal(got, val) {
		t.Fatalf("Get = %v, %v, %v; want the 256 bytes set", got, ok, err)
	}
}

func testEmptyValue(t *testing.T, c cache.Cache) {
	MustSet(t, c, "empty", "", time.Minute)
	if v, ok := MustGet(t, c, "empty"); !ok || v != "" {
		t.Fatalf("Get(empty) = %q, %v; want \"\", true", v, ok)
	}
}

func testOverwrite(t *testing.T, c cache.Cache) {
	MustSet(t, c, "k", "one", time.Minute)
	MustSet(t, c, "k", "two", time.Minute)
	if v, _ := MustGet(t, c, "k"); v != "two" {
		t.Fatalf("Get = %q, want two", v)
	}
}

func testDelete(t *testing.T, c cache.Cache) {
	MustSet(t, c, "k", "v", time.Minute)
	for range 2 {
		if err := c.Delete(context.Background(), "k"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	if _, ok := MustGet(t, c, "k"); ok {
		t.Fatal("deleted key still present")
	}
}

func testExpiry(t *testing.T, c cache.Cache) {
	MustSet(t, c, "short", "v", 50*time.Millisecond)
	MustSet(t, c, "long", "v", time.Hour)
	waitGone(t, c, "short")
	if _, ok := MustGet(t, c, "long"); !ok {
		t.Fatal("entry with a one-hour ttl expired")
	}
}

func testNoTTL(t *testing.T, c cache.Cache) {
	MustSet(t, c, "forever", "v", 0)
	MustSet(t, c, "short", "v", 50*time.Millisecond)
	waitGone(t, c, "short") // then the one without ttl must remain
	if _, ok := MustGet(t, c, "forever"); !ok {
		t.Fatal("entry without ttl expired")
	}
}

// waitGone waits until key (set with a 50ms ttl) has expired from c, at most Wait.
func waitGone(t *testing.T, c cache.Cache, key string) {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for {
		if _, ok := MustGet(t, c, key); !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry with a 50ms ttl still present after %s", Wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testCopies(t *testing.T, c cache.Cache) {
	val := []byte("abc")
	if err := c.Set(context.Background(), "k", val, time.Minute); err != nil {
		t.Fatal(err)
	}
	val[0] = 'X'
	got, ok, err := c.Get(context.Background(), "k")
	if err != nil || !ok || len(got) != 3 {
		t.Fatalf("Get = %q, %v, %v; want abc", got, ok, err)
	}
	got[1] = 'Y'
	if v, _ := MustGet(t, c, "k"); v != "abc" {
		t.Fatalf("Get = %q after the caller changed its slices, want abc", v)
	}
}

func testConcurrent(t *testing.T, c cache.Cache) {
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				key := fmt.Sprintf("k%d", i%5)
				val := fmt.Sprintf("%d-%d", w, i)
				if err := c.Set(context.Background(), key, []byte(val), time.Minute); err != nil {
					t.Errorf("Set: %v", err)
					return
				}
				if _, _, err := c.Get(context.Background(), key); err != nil {
					t.Errorf("Get: %v", err)
					return
				}
				if i%7 == 0 {
					_ = c.Delete(context.Background(), key)
				}
			}
		})
	}
	wg.Wait()
	MustSet(t, c, "after", "v", time.Minute)
	if v, ok := MustGet(t, c, "after"); !ok || v != "v" {
		t.Fatalf("Get after concurrent use = %q, %v", v, ok)
	}
}

func testPing(t *testing.T, c cache.Cache) {
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
