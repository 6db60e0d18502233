package main

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"backbone/ent/outboxmessage"
	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/notify"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/testenv"
	"backbone/internal/wallet"
)

// Helpers of the notification kind tests (notify_kinds_test.go).

// nkWorld is an azWorld with direct access to its database, for the sweeps (run with a
// clock moved forward) and for redelivering events to a notify consumer of the test's own.
type nkWorld struct {
	*azWorld
	d *db.DB
}

func newNkWorld(t *testing.T, env map[string]string) *nkWorld {
	t.Helper()
	url := testenv.NewPostgresDB(t)
	env = withDefaults(env, map[string]string{"DATABASE_URL": url})
	w := newAzWorld(t, env)
	d, err := db.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return &nkWorld{azWorld: w, d: d}
}

// sweeper is a questions service on the world's database whose clock runs ahead by
// ahead: its sweeps see leases and deadlines as that much later. Their events go
// through the outbox to the server's consumer like those of the server's own sweeps.
func (w *nkWorld) sweeper(t *testing.T, ahead time.Duration) *questions.Service {
	t.Helper()
	wal, err := wallet.NewService(wallet.Deps{Client: w.d.Client}, wallet.Options{})
	if err != nil {
		t.Fatalf("wallet: %v", err)
	}
	set := settings.New(settings.Deps{DB: w.d, Bus: bus.NewMemory()}, settings.Options{})
	return questions.New(questions.Deps{DB: w.d, Wallet: wal, Settings: set},
		questions.Options{Now: func() time.Time { return time.Now().Add(ahead) }})
}

// redeliver hands every event of the outbox that notifications are made from to a
// notify consumer again, as a queue redelivering them all would.
func (w *nkWorld) redeliver(t *testing.T) int {
	t.Helper()
	svc := notify.New(w.d, bus.NewMemory(), slog.New(slog.DiscardHandler))
	rows, err := w.d.Client.OutboxMessage.Query().Where(outboxmessage.TopicIn(notify.Topics...)).All(w.system())
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	for _, m := range rows {
		if err := svc.Handle(context.Background(), m.Topic, m.Payload); err != nil {
			t.Fatalf("redeliver %s: %v", m.Topic, err)
		}
	}
	return len(rows)
}

// kinds counts a user's notifications by kind.
func (w *nkWorld) kinds(t *testing.T, a *azAccount) map[string]int {
	t.Helper()
	_, nodes := w.nfList(t, a.Token, false)
	out := map[string]int{}
	for _, n := range nodes {
		out[n.Kind]++
	}
	return out
}

// await waits until a has a notification of kind for which ok holds, and returns it.
func (w *nkWorld) await(t *testing.T, a *azAccount, kind string, ok func(nfNotification) bool) nfNotification {
	t.Helper()
	var found nfNotification
	w.nfAwait(t, a.Token, func(ns []nfNotification) bool {
		i := slices.IndexFunc(ns, func(n nfNotification) bool { return n.Kind == kind && (ok == nil || ok(n)) })
		if i >= 0 {
			found = ns[i]
		}
		return i >= 0
	})
	return found
}

// about matches a notification whose payload names the question id.
func about(id string) func(nfNotification) bool {
	return func(n nfNotification) bool { return n.Payload["questionId"] == id }
}
