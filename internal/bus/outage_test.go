package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"backbone/internal/bus"
	"backbone/internal/bus/bustest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
)

// TestRedisRecoversFromOutage cuts the bus off Redis for a while (a TCP relay in
// front of the real server goes down and comes back), which exercises the reconnect
// backoff and the resubscription without stopping the shared server. Every open
// subscription, including one that joined its topic during the outage, is told of the
// gap once its topic is subscribed again: a single publish after that arrives.
func TestRedisRecoversFromOutage(t *testing.T) {
	t.Parallel()
	admin := newClient(t, "")
	relay := bustest.NewRelay(t, admin.Options().Addr)
	client := redis.NewClient(&redis.Options{Addr: relay.Addr(), DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	prefix := testenv.RandomName("bustest:") + ":"
	m, reg := newMetrics(t)
	b := newRedisBus(t, client, bus.WithChannelPrefix(prefix), bus.WithMetrics(m))
	subscribed := time.Now()
	s, other := bustest.MustSubscribe(t, b, "t"), bustest.MustSubscribe(t, b, "v")
	ctx := context.Background()

	down := time.Now()
	relay.Down()
	if err := waitPingCode(b, errs.Unavailable); err != nil {
		t.Fatalf("Ping during the outage: %v", err)
	}
	if _, err := b.Subscribe(ctx, "u"); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("Subscribe during the outage = %v, want UNAVAILABLE", err)
	}
	// A topic already in use takes new subscribers without Redis; they may miss messages too.
	late := bustest.MustSubscribe(t, b, "t")
	time.Sleep(time.Second) // stay down across several reconnect attempts
	relay.Up(t)

	for _, sub := range []*bus.Subscription{s, late, other} {
		bustest.GapWithin(t, sub, bustest.AwaitGap(t, sub), subscribed, down)
	}
	publish(t, admin, prefix+"t", "after")
	publish(t, admin, prefix+"v", "after")
	for _, sub := range []*bus.Subscription{s, late, other} {
		if got := bustest.Receive(t, sub); got != "after" {
			t.Fatalf("%s: got %q, want after", sub.Topic(), got)
		}
	}
	if err := waitPing(b); err != nil {
		t.Fatalf("Ping after recovery: %v", err)
	}
	// Each of the two topics in Redis was subscribed again once at least; both "after"
	// messages came.
	if got := counters(t, reg); got["bus_gaps_total"] < 2 || got["bus_messages_received_total"] < 2 {
		t.Fatalf("counters after the outage = %v, want 2 gaps and 2 messages at least", got)
	}
}

// TestRedisReplacesHalfOpenConnection freezes the subscription connection without
// closing it, as a dead peer behind a firewall would: only the health check can notice.
// The replacement is a gap.
func TestRedisReplacesHalfOpenConnection(t *testing.T) {
	t.Parallel()
	admin := newClient(t, "")
	relay := bustest.NewRelay(t, admin.Options().Addr)
	client := redis.NewClient(&redis.Options{Addr: relay.Addr()})
	t.Cleanup(func() { client.Close() })
	prefix := testenv.RandomName("bustest:") + ":"
	b := newRedisBus(t, client, bus.WithChannelPrefix(prefix), bus.WithHealthCheck(200*time.Millisecond))
	subscribed := time.Now()
	s := bustest.MustSubscribe(t, b, "t")
	frozen := time.Now()
	relay.Freeze()

	bustest.GapWithin(t, s, bustest.AwaitGap(t, s), subscribed, frozen)
	publish(t, admin, prefix+"t", "after")
	if got := bustest.Receive(t, s); got != "after" {
		t.Fatalf("got %q, want after", got)
	}
}

// publish sends one message straight to Redis, as another process would.
func publish(t *testing.T, admin *redis.Client, channel, payload string) {
	t.Helper()
	if err := admin.Publish(context.Background(), channel, payload).Err(); err != nil {
		t.Fatal(err)
	}
}

func waitPingCode(b bus.Bus, want errs.Code) error {
	deadline := time.Now().Add(bustest.Wait)
	for {
		err := b.Ping(context.Background())
		if errs.Is(err, want) || time.Now().After(deadline) {
			if errs.Is(err, want) {
				return nil
			}
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
