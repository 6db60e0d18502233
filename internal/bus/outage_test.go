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
// backoff and the resubscription without stopping the shared server.
func TestRedisRecoversFromOutage(t *testing.T) {
	t.Parallel()
	admin := newClient(t, "")
	relay := bustest.NewRelay(t, admin.Options().Addr)
	client := redis.NewClient(&redis.Options{Addr: relay.Addr(), DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	prefix := testenv.RandomName("bustest:") + ":"
	b := newRedisBus(t, client, bus.WithChannelPrefix(prefix))
	s := bustest.MustSubscribe(t, b, "t")
	ctx := context.Background()

	relay.Down()
	if err := waitPingCode(b, errs.Unavailable); err != nil {
		t.Fatalf("Ping during the outage: %v", err)
	}
	if _, err := b.Subscribe(ctx, "u"); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("Subscribe during the outage = %v, want UNAVAILABLE", err)
	}
	time.Sleep(time.Second) // stay down across several reconnect attempts
	relay.Up(t)

	deadline := time.Now().Add(bustest.Wait)
	for {
		if err := admin.Publish(ctx, prefix+"t", "after").Err(); err != nil {
			t.Fatal(err)
		}
		select {
		case m, ok := <-s.C():
			if !ok {
				t.Fatalf("subscription ended: %v", s.Err())
			}
			if string(m.Payload) != "after" {
				t.Fatalf("got %q, want after", m.Payload)
			}
			if err := waitPing(b); err != nil {
				t.Fatalf("Ping after recovery: %v", err)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("delivery did not resume after the outage")
		}
	}
}

// TestRedisReplacesHalfOpenConnection freezes the subscription connection without
// closing it, as a dead peer behind a firewall would: only the health check can notice.
func TestRedisReplacesHalfOpenConnection(t *testing.T) {
	t.Parallel()
	admin := newClient(t, "")
	relay := bustest.NewRelay(t, admin.Options().Addr)
	client := redis.NewClient(&redis.Options{Addr: relay.Addr()})
	t.Cleanup(func() { client.Close() })
	prefix := testenv.RandomName("bustest:") + ":"
	b := newRedisBus(t, client, bus.WithChannelPrefix(prefix), bus.WithHealthCheck(200*time.Millisecond))
	s := bustest.MustSubscribe(t, b, "t")
	relay.Freeze()

	deadline := time.Now().Add(bustest.Wait)
	for {
		if err := admin.Publish(context.Background(), prefix+"t", "after").Err(); err != nil {
			t.Fatal(err)
		}
		select {
		case m, ok := <-s.C():
			if !ok {
				t.Fatalf("subscription ended: %v", s.Err())
			}
			if string(m.Payload) != "after" {
				t.Fatalf("got %q, want after", m.Payload)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("delivery did not resume after the connection went half-open")
		}
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
