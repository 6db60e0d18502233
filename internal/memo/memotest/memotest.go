// Package memotest is the contract every memo backend (in process, Redis) passes.
package memotest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/bus"
	"backbone/internal/cache"
	"backbone/internal/memo"
)

// Backend is one test's deployment: what every instance shares.
type Backend struct {
	// Shared is the shared store; nil for the in-process backend.
	Shared cache.Cache
	// Bus returns the bus of a new instance, connected to the other instances' buses.
	Bus func(t *testing.T) bus.Bus
}

// NewBackend returns an empty deployment for one test; separate calls must not see each
// other's values or invalidations.
type NewBackend func(t *testing.T) Backend

// Instance is one server instance's Memo and the registry its metrics are in.
type Instance struct {
	*memo.Memo
	Registry *prometheus.Registry
}

// NewInstance starts an instance of be named "test", closed when the test ends.
func NewInstance(t *testing.T, be Backend) Instance {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := memo.New(memo.Config{Name: "test", Shared: be.Shared, Bus: be.Bus(t), Metrics: memo.NewMetrics(reg)})
	t.Cleanup(func() { m.Close() })
	return Instance{Memo: m, Registry: reg}
}

// Hits is memo_hits_total{cache="test",tier=tier} as the registry exposes it.
func (i Instance) Hits(tier string) int {
	return Counter(i.Registry, "memo_hits_total", map[string]string{"cache": "test", "tier": tier})
}

// Misses is memo_misses_total{cache="test"} as the registry exposes it.
func (i Instance) Misses() int {
	return Counter(i.Registry, "memo_misses_total", map[string]string{"cache": "test"})
}

// Counter is the value of the counter name with exactly labels in g, 0 if absent.
func Counter(g prometheus.Gatherer, name string, labels map[string]string) int {
	mfs, err := g.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := len(m.GetLabel()) == len(labels)
			for _, lp := range m.GetLabel() {
				match = match && labels[lp.GetName()] == lp.GetValue()
			}
			if match {
				return int(m.GetCounter().GetValue())
			}
		}
	}
	return 0
}

// Loader counts its calls and returns the current value.
type Loader struct {
	Calls atomic.Int64
	mu    sync.Mutex
	val   string
}

// NewLoader returns a loader of val.
func NewLoader(val string) *Loader { return &Loader{val: val} }

// Set changes the value the next calls return.
func (l *Loader) Set(val string) { l.mu.Lock(); l.val = val; l.mu.Unlock() }

// Load is the loader function.
func (l *Loader) Load(context.Context) (string, error) {
	l.Calls.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.val, nil
}

// MustGet reads key (tagged with tags) through l for a minute, or fails the test.
func MustGet(tb testing.TB, i Instance, key string, l *Loader, tags ...string) string {
	tb.Helper()
	v, err := memo.Get(context.Background(), i.Memo, key, time.Minute, l.Load, tags...)
	if err != nil {
		tb.Fatalf("Get(%q): %v", key, err)
	}
	return v
}

// MustInvalidate invalidates tags or fails the test.
func MustInvalidate(tb testing.TB, i Instance, tags ...string) {
	tb.Helper()
	if err := i.Invalidate(context.Background(), tags...); err != nil {
		tb.Fatalf("Invalidate(%v): %v", tags, err)
	}
}

// Eventually polls cond until it holds or 10 s pass: for what crosses the bus.
func Eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	tb.Fatalf("timed out waiting until %s", what)
}

// Run runs the contract against the backend that newBackend makes.
func Run(t *testing.T, newBackend NewBackend) {
	tests := []struct {
		name string
		run  func(*testing.T, Backend)
	}{
		{"loads once, then serves the copy", testLoadsOnce},
		{"keeps keys apart", testKeysApart},
		{"does not cache a loader error", testErrorNotCached},
		{"turns a loader's panic into an error", testPanic},
		{"gives each caller its own copy", testCopies},
		{"computes concurrent misses once", testSingleflight},
		{"drops only the entries of an invalidated tag", testInvalidateTag},
		{"keeps no value loaded before an invalidation", testStaleLoad},
		{"invalidates across instances", testAcrossInstances},
		{"drops the tags a followed topic names", testFollow},
		{"expires an entry after its ttl", testExpiry},
		{"stops waiting when the caller's context ends", testCallerCancel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newBackend(t))
		})
	}
}

func testLoadsOnce(t *testing.T, be Backend) {
	i := NewInstance(t, be)
	l := NewLoader("v")
	for range 3 {
		if got := MustGet(t, i, "k", l, "t"); got != "v" {
			t.Fatalf("Get = %q, want v", got)
		}
	}
	if n := l.Calls.Load(); n != 1 {
		t.Fatalf("loader called %d times, want 1", n)
	}
	if i.Misses() != 1 || i.Hits(memo.TierLocal) != 2 {
		t.Fatalf("misses %d, local hits %d; want 1 and 2", i.Misses(), i.Hits(memo.TierLocal))
	}
}

func testKeysApart(t *testing.T, be Backend) {
	i := NewInstance(t, be)
	a, b := NewLoader("a"), NewLoader("b")
	if MustGet(t, i, "a", a) != "a" || MustGet(t, i, "b", b) != "b" || MustGet(t, i, "a", b) != "a" {
		t.Fatal("one key served another's value")
	}
}

func testErrorNotCached(t *testing.T, be Backend) {
	i := NewInstance(t, be)
	boom := errors.New("boom")
	calls := 0
	load := func(context.Context) (int, error) {
		calls++
		if calls == 1 {
			return 0, boom
		}
		return 7, nil
	}
	if _, err := memo.Get(context.Background(), i.Memo, "k", time.Minute, load); !errors.Is(err, boom) {
		t.Fatalf("first Get err = %v, want the loader's", err)
	}
	if v, err := memo.Get(context.Background(), i.Memo, "k", time.Minute, load); err != nil || v != 7 {
		t.Fatalf("second Get = %d, %v; want 7 from a second load", v, err)
	}
}

func testPanic(t *testing.T, be Backend) {
	i := NewInstance(t, be)
	load := func(context.Context) (int, error) { panic("loader bug") }
	if _, err := memo.Get(context.Background(), i.Memo, "k", time.Minute, load); err == nil {
		t.Fatal("a panicking loader gave no error")
	}
}

func testCopies(t *testing.T, be Backend) {
	i := NewInstance(t, be)
	load := func(context.Context) ([]string, error) { return []string{"x"}, nil }
	v, err := memo.Get(context.Background(), i.Memo, "k", time.Minute, load)
	if err != nil {
		t.Fatal(err)
	}
	v[0] = "changed"
	if again, _ := memo.Get(context.Background(), i.Memo, "k", time.Minute, load); again[0] != "x" {
		t.Fatalf("a caller's change reached the cache: %v", again)
	}
}

// testSingleflight starts n callers while the first load is held: however they
// interleave, each joins the load or finds its result, so the loader runs once.
func testSingleflight(t *testing.T, be Backend) {
	i := NewInstance(t, be)
	const n = 16
	release := make(chan struct{})
	var calls atomic.Int64
	load := func(context.Context) (string, error) {
		calls.Add(1)
		<-release
		return "v", nil
	}
	var started, done sync.WaitGroup
	started.Add(n)
	for range n {
		done.Go(func() {
			started.Done()
			if v, err := memo.Get(context.Background(), i.Memo, "k", time.Minute, load); err != nil || v != "v" {
				t.Errorf("Get = %q, %v", v, err)
			}
		})
	}
	started.Wait()
	Eventually(t, "the first load starts", func() bool { return calls.Load() > 0 })
	close(release)
	done.Wait()
	if c := calls.Load(); c != 1 {
		t.Fatalf("loader ran %d times for %d concurrent callers, want 1", c, n)
	}
	if got := i.Misses() + i.Hits(memo.TierFlight) + i.Hits(memo.TierLocal); got != n {
		t.Fatalf("counted %d gets (misses %d), want %d", got, i.Misses(), n)
	}
}

func testInvalidateTag(t *testing.T, be Backend) {
	i := NewInstance(t, be)
	a, b := NewLoader("a1"), NewLoader("b1")
	MustGet(t, i, "a", a, "x", "both")
	MustGet(t, i, "b", b, "y", "both")
	a.Set("a2")
	b.Set("b2")
	MustInvalidate(t, i, "x")
	if got := MustGet(t, i, "a", a, "x", "both"); got != "a2" {
		t.Fatalf("entry of the invalidated tag = %q, want a2", got)
	}
	if got := MustGet(t, i, "b", b, "y", "both"); got != "b1" {
		t.Fatalf("entry of another tag = %q, want the cached b1", got)
	}
	MustInvalidate(t, i, "both")
	if MustGet(t, i, "a", a, "x", "both") != "a2" || MustGet(t, i, "b", b, "y", "both") != "b2" {
		t.Fatal("a tag shared by two entries did not drop both")
	}
}

// testStaleLoad holds a load that read the old value while the tag is invalidated:
// what it returns later must not be served afterwards, here or on another instance.
func testStaleLoad(t *testing.T, be Backend) {
	one, two := NewInstance(t, be), NewInstance(t, be)
	entered, release := make(chan struct{}), make(chan struct{})
	stale := func(context.Context) (string, error) {
		close(entered)
		<-release
		return "old", nil
	}
	got := make(chan string, 1)
	go func() {
		v, err := memo.Get(context.Background(), one.Memo, "k", time.Minute, stale, "t")
		if err != nil {
			t.Errorf("held Get: %v", err)
		}
		got <- v
	}()
	<-entered
	MustInvalidate(t, two, "t") // another instance
	MustInvalidate(t, one, "t") // and this one
	close(release)
	if v := <-got; v != "old" {
		t.Fatalf("held Get = %q, want old", v)
	}
	fresh := NewLoader("new")
	if v := MustGet(t, one, "k", fresh, "t"); v != "new" {
		t.Fatalf("Get after the invalidation = %q, want new: a load begun before it was kept", v)
	}
	if v := MustGet(t, two, "k", NewLoader("new"), "t"); v != "new" {
		t.Fatalf("the other instance reads %q, want new", v)
	}
}

func testAcrossInstances(t *testing.T, be Backend) {
	one, two := NewInstance(t, be), NewInstance(t, be)
	l := NewLoader("v1")
	MustGet(t, one, "k", l, "t")
	MustGet(t, two, "k", l, "t")
	l.Set("v2")
	MustInvalidate(t, one, "t")
	if got := MustGet(t, one, "k", l, "t"); got != "v2" {
		t.Fatalf("the invalidating instance reads %q, want v2", got)
	}
	Eventually(t, "the other instance drops its copy", func() bool { return MustGet(t, two, "k", l, "t") == "v2" })
}

func testFollow(t *testing.T, be Backend) {
	i := NewInstance(t, be)
	i.Follow("thing.changed", func(p []byte) []string { return []string{"thing:" + string(p)} })
	publisher := be.Bus(t)
	a, b := NewLoader("a1"), NewLoader("b1")
	MustGet(t, i, "a", a, "thing:a")
	MustGet(t, i, "b", b, "thing:b")
	a.Set("a2")
	b.Set("b2")
	if err := publisher.Publish(context.Background(), "thing.changed", []byte("a")); err != nil {
		t.Fatal(err)
	}
	Eventually(t, "the followed message drops a", func() bool { return MustGet(t, i, "a", a, "thing:a") == "a2" })
	if got := MustGet(t, i, "b", b, "thing:b"); got != "b1" {
		t.Fatalf("b = %q, want the cached b1", got)
	}
}

func testExpiry(t *testing.T, be Backend) {
	i := NewInstance(t, be)
	l := NewLoader("v1")
	get := func() string {
		v, err := memo.Get(context.Background(), i.Memo, "k", 50*time.Millisecond, l.Load)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	get()
	l.Set("v2")
	Eventually(t, "the entry expires", func() bool { return get() == "v2" })
}

func testCallerCancel(t *testing.T, be Backend) {
	i := NewInstance(t, be)
	release := make(chan struct{})
	defer close(release)
	load := func(context.Context) (string, error) { <-release; return "v", nil }
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := memo.Get(ctx, i.Memo, "k", time.Minute, load); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with a cancelled context = %v, want context.Canceled", err)
	}
}
