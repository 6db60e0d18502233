package outbox

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/outboxmessage"
	"backbone/internal/db"
	"backbone/internal/timex"
	"backbone/internal/tracing"
)

// rowID is an outbox row's id.
type rowID = uuid.UUID

// message is a claimed row.
type message struct {
	ID       rowID
	Kind     Kind
	Topic    string
	Key      string
	Payload  []byte
	Attempts int
	Trace    tracing.Carrier
}

// claim takes up to a batch of due rows (undelivered, available, not claimed by a live
// relay), oldest first, and holds them until the returned time.
func (r *Relay) claim(ctx context.Context) ([]message, time.Time, error) {
	t := timex.Now()
	until := t.Add(r.opts.Lease)
	var out []message
	err := db.InTx(ctx, r.db.Client, func(tx *ent.Client) error {
		q := tx.OutboxMessage.Query().
			Where(
				outboxmessage.DeliveredAtIsNil(),
				outboxmessage.AvailableAtLTE(t),
				outboxmessage.Or(outboxmessage.ClaimedUntilIsNil(), outboxmessage.ClaimedUntilLT(t)),
			).
			Order(ent.Asc(outboxmessage.FieldAvailableAt), ent.Asc(outboxmessage.FieldID)).
			Limit(r.opts.Batch)
		if r.db.Postgres() {
			// Concurrent relays skip each other's rows instead of waiting for them.
			q.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
		}
		rows, err := q.All(db.System(ctx))
		if err != nil || len(rows) == 0 {
			return err
		}
		out = make([]message, len(rows))
		for i, row := range rows {
			out[i] = message{ID: row.ID, Kind: Kind(row.Kind), Topic: row.Topic, Key: row.Key,
				Payload: row.Payload, Attempts: row.Attempts, Trace: row.TraceContext}
		}
		return tx.OutboxMessage.Update().Where(outboxmessage.IDIn(ids(out)...)).
			SetClaimedUntil(until).Exec(ctx)
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("outbox claim: %w", err)
	}
	return out, until, nil
}

// markDelivered records that rows were published.
func (r *Relay) markDelivered(ctx context.Context, rows []rowID) error {
	if len(rows) == 0 {
		return nil
	}
	err := r.db.Client.OutboxMessage.Update().Where(outboxmessage.IDIn(rows...)).
		SetDeliveredAt(timex.Now()).ClearClaimedUntil().Exec(ctx)
	if err != nil {
		return fmt.Errorf("outbox mark delivered: %w", err)
	}
	return nil
}

// fail records a failed publish and makes the row due again after a backoff.
func (r *Relay) fail(ctx context.Context, m message, cause error) error {
	attempts := m.Attempts + 1
	r.log.WarnContext(ctx, "outbox publish failed, will retry", "id", m.ID, "topic", m.Topic,
		"key", m.Key, "attempts", attempts, "err", cause)
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	err := r.db.Client.OutboxMessage.UpdateOneID(m.ID).
		SetAttempts(attempts).
		SetAvailableAt(timex.Now().Add(r.opts.Backoff(attempts))).
		SetLastError(msg).
		ClearClaimedUntil().
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("outbox mark failed: %w", err)
	}
	return nil
}

// release gives rows back unpublished, due at once.
func (r *Relay) release(ctx context.Context, rows []rowID) error {
	if len(rows) == 0 {
		return nil
	}
	err := r.db.Client.OutboxMessage.Update().Where(outboxmessage.IDIn(rows...)).
		ClearClaimedUntil().Exec(ctx)
	if err != nil {
		return fmt.Errorf("outbox release: %w", err)
	}
	return nil
}

func ids(ms []message) []rowID {
	out := make([]rowID, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}
