// Package bustest is the contract every bus.Bus implementation passes.
package bustest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"backbone/internal/bus"
	"backbone/internal/errs"
)

// Wait bounds every wait for a message; it only has to be long enough never to fail a
// correct implementation on a loaded machine.
const Wait = 15 * time.Second

// NewBus returns a fresh bus with opts for one test and closes it when the test ends.
// Buses from separate calls must not see each other's topics.
type NewBus func(t *testing.T, opts ...bus.Option) bus.Bus

// Run runs the contract against the implementation that newBus makes.
func Run(t *testing.T, newBus NewBus) {
	tests := []struct {
		name string
		run  func(*testing.T, NewBus)
	}{
		{"delivers to every subscriber of the topic and none of another", testFanOut},
		{"keeps each publisher's order", testOrder},
		{"stops delivery after Close of the subscription", testUnsubscribe},
		{"ends the subscription when its context ends", testContextCancel},
		{"refuses a subscription with a context already done", testDoneContext},
		{"drops a slow consumer without blocking the others", testSlowConsumer},
		{"survives concurrent publish and subscribe", testConcurrent},
		{"ends subscriptions and refuses calls after Close", testClose},
		{"answers Ping", testPing},
		{"signals no gap while nothing is lost", testNoGap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newBus)
		})
	}
}

// MustSubscribe subscribes or fails the test; the subscription is closed at the end.
func MustSubscribe(tb testing.TB, b bus.Bus, topic string) *bus.Subscription {
	tb.Helper()
	s, err := b.Subscribe(context.Background(), topic)
	if err != nil {
		tb.Fatalf("Subscribe(%q): %v", topic, err)
	}
	tb.Cleanup(s.Close)
	return s
}

// MustPublish publishes or fails the test.
func MustPublish(tb testing.TB, b bus.Bus, topic, payload string) {
	tb.Helper()
	if err := b.Publish(context.Background(), topic, []byte(payload)); err != nil {
		tb.Fatalf("Publish(%q): %v", topic, err)
	}
}

// Receive returns the next payload of s, failing the test if none comes within Wait or
// the subscription ends.
func Receive(tb testing.TB, s *bus.Subscription) string {
	tb.Helper()
	select {
	case m, ok := <-s.C():
		if !ok {
			tb.Fatalf("subscription to %q ended: %v", s.Topic(), s.Err())
		}
		if m.Topic != s.Topic() {
			tb.Fatalf("message of topic %q on a subscription to %q", m.Topic, s.Topic())
		}
		return string(m.Payload)
	case <-time.After(Wait):
		tb.Fatalf("no message on %q within %s", s.Topic(), Wait)
	}
	return ""
}

// AwaitGap waits until s signals a gap, failing the test if none comes within Wait. It
// returns when the gap may have begun.
func AwaitGap(tb testing.TB, s *bus.Subscription) time.Time {
	tb.Helper()
	select {
	case since := <-s.Gaps():
		return since
	case <-time.After(Wait):
		tb.Fatalf("no gap signalled on %q within %s", s.Topic(), Wait)
	}
	return time.Time{}
}

// GapWithin fails the test unless a gap's start lies in [from, to]: not after the loss
// began (to), and not before the connection was last known to deliver (from).
func GapWithin(tb testing.TB, s *bus.Subscription, since, from, to time.Time) {
	tb.Helper()
	if since.Before(from) || since.After(to) {
		tb.Fatalf("gap on %q begins at %s, want between %s and %s", s.Topic(),
			since.Format(time.StampMicro), from.Format(time.StampMicro), to.Format(time.StampMicro))
	}
}

// NoGap fails the test if s has a gap signal pending.
func NoGap(tb testing.TB, s *bus.Subscription) {
	tb.Helper()
	select {
	case <-s.Gaps():
		tb.Fatalf("gap signalled on %q though nothing was lost", s.Topic())
	default:
	}
}

// WaitEnd drains s until its channel closes and returns Err.
func WaitEnd(tb testing.TB, s *bus.Subscription) error {
	tb.Helper()
	timeout := time.After(Wait)
	for {
		select {
		case _, ok := <-s.C():
			if !ok {
				return s.Err()
			}
		case <-timeout:
			tb.Fatalf("subscription to %q did not end within %s", s.Topic(), Wait)
		}
	}
}

func testFanOut(t *testing.T, newBus NewBus) {
	b := newBus(t)
	a1, a2 := MustSubscribe(t, b, "a"), MustSubscribe(t, b, "a")
	other := MustSubscribe(t, b, "b")
	MustPublish(t, b, "a", "hello")
	for i, s := range []*bus.Subscription{a1, a2} {
		if got := Receive(t, s); got != "hello" {
			t.Fatalf("subscriber %d got %q, want hello", i, got)
		}
	}
	// The other topic's first message must be its own, not "hello".
	MustPublish(t, b, "b", "marker")
	if got := Receive(t, other); got != "marker" {
		t.Fatalf("subscriber of b got %q, want marker", got)
	}
}

func testOrder(t *testing.T, newBus NewBus) {
	const publishers, each = 3, 100
	b := newBus(t, bus.WithBuffer(publishers*each))
	s := MustSubscribe(t, b, "seq")
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for i := range each {
				if err := b.Publish(context.Background(), "seq", fmt.Appendf(nil, "%d:%d", p, i)); err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	next := make([]int, publishers)
	for range publishers * each {
		var p, i int
		if _, err := fmt.Sscanf(Receive(t, s), "%d:%d", &p, &i); err != nil {
			t.Fatal(err)
		}
		if i != next[p] {
			t.Fatalf("publisher %d: got message %d, want %d", p, i, next[p])
		}
		next[p]++
	}
}

func testUnsubscribe(t *testing.T, newBus NewBus) {
	b := newBus(t)
	gone, stays := MustSubscribe(t, b, "t"), MustSubscribe(t, b, "t")
	gone.Close()
	gone.Close() // idempotent
	if err := WaitEnd(t, gone); err != nil {
		t.Fatalf("Err after Close = %v, want nil", err)
	}
	MustPublish(t, b, "t", "after")
	if got := Receive(t, stays); got != "after" {
		t.Fatalf("got %q, want after", got)
	}
	// The topic works again after its last subscriber left and a new one came.
	stays.Close()
	again := MustSubscribe(t, b, "t")
	MustPublish(t, b, "t", "again")
	if got := Receive(t, again); got != "again" {
		t.Fatalf("got %q, want again", got)
	}
}

func testContextCancel(t *testing.T, newBus NewBus) {
	b := newBus(t)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := b.Subscribe(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := WaitEnd(t, s); !errors.Is(err, context.Canceled) {
		t.Fatalf("Err = %v, want context.Canceled", err)
	}
}

func testDoneContext(t *testing.T, newBus NewBus) {
	b := newBus(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Subscribe(ctx, "t"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Subscribe err = %v, want context.Canceled", err)
	}
}

func testSlowConsumer(t *testing.T, newBus NewBus) {
	const buffer = 4
	b := newBus(t, bus.WithBuffer(buffer))
	slow, fast := MustSubscribe(t, b, "t"), MustSubscribe(t, b, "t")
	// One message at a time: the fast subscriber is never behind, the slow one never reads.
	for i := range buffer * 3 {
		MustPublish(t, b, "t", strconv.Itoa(i))
		if got := Receive(t, fast); got != strconv.Itoa(i) {
			t.Fatalf("fast subscriber got %q, want %d", got, i)
		}
	}
	if err := WaitEnd(t, slow); !errors.Is(err, bus.ErrSlowConsumer) {
		t.Fatalf("slow subscriber Err = %v, want ErrSlowConsumer", err)
	}
}

func testConcurrent(t *testing.T, newBus NewBus) {
	b := newBus(t, bus.WithBuffer(1024))
	keep := MustSubscribe(t, b, "c")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() { // churn: subscribers come and go on the same topic
			for range 20 {
				s, err := b.Subscribe(context.Background(), "c")
				if err != nil {
					t.Errorf("Subscribe: %v", err)
					return
				}
				s.Close()
			}
		})
		wg.Go(func() {
			for i := range 25 {
				if err := b.Publish(context.Background(), "c", fmt.Appendf(nil, "%d-%d", w, i)); err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	for range 4 * 25 {
		Receive(t, keep)
	}
}

func testClose(t *testing.T, newBus NewBus) {
	b := newBus(t)
	s := MustSubscribe(t, b, "t")
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := WaitEnd(t, s); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("subscription Err = %v, want ErrClosed", err)
	}
	if err := b.Publish(context.Background(), "t", []byte("x")); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("Publish after Close = %v, want ErrClosed", err)
	}
	if _, err := b.Subscribe(context.Background(), "t"); !errors.Is(err, bus.ErrClosed) {
		t.Fatalf("Subscribe after Close = %v, want ErrClosed", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
}

func testPing(t *testing.T, newBus NewBus) {
	b := newBus(t)
	if err := b.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// testNoGap subscribes, leaves and subscribes again, first and later subscribers alike,
// and publishes: none of it may look like a loss.
func testNoGap(t *testing.T, newBus NewBus) {
	b := newBus(t)
	first, second := MustSubscribe(t, b, "g"), MustSubscribe(t, b, "g")
	other := MustSubscribe(t, b, "h")
	MustSubscribe(t, b, "h").Close()
	first.Close()
	second.Close()
	again := MustSubscribe(t, b, "g")
	for i := range 10 {
		MustPublish(t, b, "g", strconv.Itoa(i))
		MustPublish(t, b, "h", strconv.Itoa(i))
		Receive(t, again)
		Receive(t, other)
	}
	// Round trips after the last subscribe: any confirmation has been read by now.
	for _, s := range []*bus.Subscription{first, second, other, again} {
		NoGap(t, s)
	}
}

// AwaitDown waits until b reports that it lost Redis (Ping: UNAVAILABLE).
func AwaitDown(tb testing.TB, b bus.Bus) {
	tb.Helper()
	deadline := time.Now().Add(Wait)
	for !errs.Is(b.Ping(context.Background()), errs.Unavailable) {
		if time.Now().After(deadline) {
			tb.Fatal("the bus did not notice that Redis is gone")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
