package bus_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"backbone/internal/bus"
	"backbone/internal/bus/bustest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
)

func TestRedisContract(t *testing.T) {
	t.Parallel()
	bustest.Run(t, func(t *testing.T, opts ...bus.Option) bus.Bus {
		return newRedisBus(t, newClient(t, ""), append(opts, bus.WithChannelPrefix(testenv.RandomName("bustest:")+":"))...)
	})
}

func TestRedisBusesShareMessages(t *testing.T) {
	t.Parallel()
	prefix := bus.WithChannelPrefix(testenv.RandomName("bustest:") + ":")
	// Two buses with their own clients stand for two server processes.
	one, two := newRedisBus(t, newClient(t, ""), prefix), newRedisBus(t, newClient(t, ""), prefix)
	s1, s2 := bustest.MustSubscribe(t, one, "q"), bustest.MustSubscribe(t, two, "q")
	bustest.MustPublish(t, one, "q", "from one")
	bustest.MustPublish(t, two, "q", "from two")
	for _, s := range []*bus.Subscription{s1, s2} {
		if a, b := bustest.Receive(t, s), bustest.Receive(t, s); a != "from one" || b != "from two" {
			t.Fatalf("got %q, %q; want both messages", a, b)
		}
	}
}

func TestRedisSubscribesEachTopicOnce(t *testing.T) {
	t.Parallel()
	prefix := testenv.RandomName("bustest:") + ":"
	admin := newClient(t, "")
	b := newRedisBus(t, newClient(t, ""), bus.WithChannelPrefix(prefix))
	subs := []*bus.Subscription{bustest.MustSubscribe(t, b, "t"), bustest.MustSubscribe(t, b, "t"), bustest.MustSubscribe(t, b, "t")}
	waitNumSub(t, admin, prefix+"t", 1)
	subs[0].Close()
	subs[1].Close()
	waitNumSub(t, admin, prefix+"t", 1)
	subs[2].Close()
	waitNumSub(t, admin, prefix+"t", 0)
}

func TestRedisResumesAfterConnectionKill(t *testing.T) {
	t.Parallel()
	name := testenv.RandomName("bustest-")
	b := newRedisBus(t, newClient(t, name), bus.WithChannelPrefix(name+":"))
	admin := newClient(t, "")
	s := bustest.MustSubscribe(t, b, "t")
	published := time.Now()
	bustest.MustPublish(t, b, "t", "before")
	if got := bustest.Receive(t, s); got != "before" {
		t.Fatalf("got %q, want before", got)
	}
	old := pubSubIDs(t, admin, name)
	killed := time.Now()
	killPubSub(t, admin, old)
	// Messages published while the bus reconnects are lost; the gap says when it is back,
	// and that the loss may have begun after the last message received.
	bustest.GapWithin(t, s, bustest.AwaitGap(t, s), published, killed)
	publish(t, admin, name+":t", "after")
	if got := bustest.Receive(t, s); got != "after" {
		t.Fatalf("got %q, want after", got)
	}
	if err := waitPing(b); err != nil {
		t.Fatalf("Ping after recovery: %v", err)
	}
	if now := pubSubIDs(t, admin, name); len(now) != 1 || now[0] == old[0] {
		t.Fatalf("pub/sub connections %v after reconnect, was %v; want one new", now, old)
	}
}

func TestRedisUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	b := newRedisBus(t, c)
	ctx := context.Background()
	if _, err := b.Subscribe(ctx, "t"); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("Subscribe err = %v, want UNAVAILABLE", err)
	}
	if err := b.Publish(ctx, "t", []byte("x")); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("Publish err = %v, want UNAVAILABLE", err)
	}
	if err := b.Ping(ctx); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("Ping err = %v, want UNAVAILABLE", err)
	}
}

func newClient(t *testing.T, name string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.NeedRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	opt.ClientName = name
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

func newRedisBus(t *testing.T, c *redis.Client, opts ...bus.Option) bus.Bus {
	t.Helper()
	b := bus.NewRedis(c, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// pubSubIDs lists the ids of the pub/sub connections of the client named name, so
// that the test kills only its own and never disturbs others sharing the server.
func pubSubIDs(t *testing.T, admin *redis.Client, name string) []string {
	t.Helper()
	list, err := admin.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, line := range strings.Split(list, "\n") {
		f := fields(line)
		if f["name"] == name && strings.Contains(f["flags"], "P") {
			ids = append(ids, f["id"])
		}
	}
	return ids
}

func killPubSub(t *testing.T, admin *redis.Client, ids []string) {
	t.Helper()
	if len(ids) != 1 {
		t.Fatalf("pub/sub connections %v, want exactly one per bus", ids)
	}
	for _, id := range ids {
		if err := admin.Do(context.Background(), "CLIENT", "KILL", "ID", id).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

func fields(line string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Fields(line) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[k] = v
		}
	}
	return out
}

func waitNumSub(t *testing.T, admin *redis.Client, channel string, want int64) {
	t.Helper()
	deadline := time.Now().Add(bustest.Wait)
	for {
		n, err := admin.PubSubNumSub(context.Background(), channel).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n[channel] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PUBSUB NUMSUB %s = %d, want %d", channel, n[channel], want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitPing waits until the bus reports healthy again.
func waitPing(b bus.Bus) error {
	deadline := time.Now().Add(bustest.Wait)
	for {
		err := b.Ping(context.Background())
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
