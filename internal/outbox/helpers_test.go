package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"backbone/ent"
	"backbone/ent/outboxmessage"
	"backbone/ent/privacy"
	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/migrate"
	"backbone/internal/outbox"
	"backbone/internal/queue"
	"backbone/internal/testenv"
)

// dialects lists the databases the basic suite runs on.
var dialects = []struct {
	name string
	url  func(testing.TB) string
}{
	{"postgres", testenv.NewPostgresDB},
	{"sqlite", testenv.NewSQLiteURL},
}

var errRollback = errors.New("roll back")

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// mustDB opens url (migrating it when migrate is set): one per simulated process.
func mustDB(tb testing.TB, url string, migrated bool) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), url, quiet())
	if err != nil {
		tb.Fatalf("db.Open: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	if migrated {
		if _, err := migrate.Apply(context.Background(), d, nil); err != nil {
			tb.Fatalf("migrate: %v", err)
		}
	}
	return d
}

// countingQueue is a real in-memory queue that counts what it was given, by message id.
// before, when set, runs first and may refuse the publish (a broker outage, a crash).
type countingQueue struct {
	queue.Queue
	before func(id string) error

	mu        sync.Mutex
	published map[string]int
}

func newCountingQueue(tb testing.TB) *countingQueue {
	q := queue.NewMemory(quiet())
	tb.Cleanup(func() { q.Close() })
	return &countingQueue{Queue: q, published: map[string]int{}}
}

func (q *countingQueue) Publish(ctx context.Context, topic, id string, payload []byte) error {
	if q.before != nil {
		if err := q.before(id); err != nil {
			return err
		}
	}
	if err := q.Queue.Publish(ctx, topic, id, payload); err != nil {
		return err
	}
	q.mu.Lock()
	q.published[id]++
	q.mu.Unlock()
	return nil
}

// counts returns a copy of the publish counts.
func (q *countingQueue) counts() map[string]int {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make(map[string]int, len(q.published))
	for k, v := range q.published {
		out[k] = v
	}
	return out
}

// listen returns a memory bus and a subscription to topic on it, both closed when the
// test ends.
func listen(tb testing.TB, topic string) (bus.Bus, *bus.Subscription) {
	tb.Helper()
	b := bus.NewMemory()
	tb.Cleanup(func() { b.Close() })
	sub, err := b.Subscribe(context.Background(), topic)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sub.Close() })
	return b, sub
}

// newRelay returns a relay on d publishing to q and a fresh memory bus (or b).
func newRelay(tb testing.TB, d *db.DB, q queue.Queue, b bus.Bus, o outbox.Options) *outbox.Relay {
	if b == nil {
		b = bus.NewMemory()
		tb.Cleanup(func() { b.Close() })
	}
	return outbox.NewRelay(outbox.Deps{DB: d, Queue: q, Bus: b, Log: quiet()}, o)
}

// mustAdd commits one transaction adding n jobs on topic, keyed "<prefix>-<i>".
func mustAdd(tb testing.TB, d *db.DB, kind outbox.Kind, topic, prefix string, n int) {
	tb.Helper()
	err := db.InTx(context.Background(), d.Client, func(tx *ent.Client) error {
		for i := range n {
			key := fmt.Sprintf("%s-%d", prefix, i)
			if err := outbox.Add(context.Background(), tx, outbox.Message{Kind: kind, Topic: topic, Key: key, Payload: []byte(key)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("add: %v", err)
	}
}

// rows reads every outbox row.
func rows(tb testing.TB, d *db.DB) []*ent.OutboxMessage {
	tb.Helper()
	rs, err := d.Client.OutboxMessage.Query().Order(ent.Asc(outboxmessage.FieldID)).
		All(privacy.DecisionContext(context.Background(), privacy.Allow))
	if err != nil {
		tb.Fatal(err)
	}
	return rs
}

// pending is how many rows are undelivered.
func pending(tb testing.TB, r *outbox.Relay) int {
	tb.Helper()
	n, err := r.Pending(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// eventually polls cond until it holds or 20 s pass.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	tb.Fatalf("timed out waiting until %s", what)
}

// run runs r until the test ends.
func run(tb testing.TB, r *outbox.Relay) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	stop = func() { cancel(); <-done }
	tb.Cleanup(stop)
	return stop
}
