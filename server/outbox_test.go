package main

import (
	"context"
	"testing"
	"time"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/internal/db"
	"backbone/internal/outbox"
	"backbone/internal/testenv"
)

// TestServerRelaysTheOutbox checks that the outbox relay runs with the workers: a job
// committed by another process (a database handle of the test's own) is delivered.
func TestServerRelaysTheOutbox(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	startServer(t, env)
	d, err := db.Open(context.Background(), env["DATABASE_URL"], nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	err = db.InTx(context.Background(), d.Client, func(tx *ent.Client) error {
		return outbox.Add(context.Background(), tx, outbox.Message{Kind: outbox.Job, Topic: testenv.RandomName("servertest."), Payload: []byte("{}")})
	})
	if err != nil {
		t.Fatal(err)
	}
	sys := privacy.DecisionContext(context.Background(), privacy.Allow)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		m, err := d.Client.OutboxMessage.Query().Only(sys)
		if err != nil {
			t.Fatal(err)
		}
		if m.DeliveredAt != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox row was never delivered: %+v", m)
		}
	}
}
