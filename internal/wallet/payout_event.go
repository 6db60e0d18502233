package wallet

import (
	"context"
	"encoding/json"
	"fmt"

	"backbone/ent"
	"backbone/internal/events"
	"backbone/internal/outbox"
)

// EventPayoutDecided follows an admin's decision on a payout:
// {payoutId, expertId, status, amount}.
const EventPayoutDecided = "payout.decided"

// PayoutDecided is the payload of an EventPayoutDecided event.
type PayoutDecided struct {
	PayoutID string `json:"payoutId"`
	ExpertID string `json:"expertId"`
	Status   string `json:"status"`
	Amount   int64  `json:"amount"`
}

// emitPayoutRequested writes the request's event (events.PayoutRequested, which tells
// the admins) in the requesting transaction.
func emitPayoutRequested(ctx context.Context, tx *ent.Client, po *ent.Payout) error {
	admins, err := events.Admins(ctx, tx)
	if err != nil {
		return err
	}
	b, err := json.Marshal(events.PayoutRequested{PayoutID: po.ID, ExpertID: po.ExpertID, Amount: po.Amount, Admins: admins})
	if err != nil {
		return fmt.Errorf("encode %s: %w", events.TopicPayoutRequested, err)
	}
	return outbox.Add(ctx, tx, outbox.Message{Kind: outbox.Event, Topic: events.TopicPayoutRequested, Key: po.ID.String(), Payload: b})
}

// emitPayoutDecided writes the decision's event in the deciding transaction.
func emitPayoutDecided(ctx context.Context, tx *ent.Client, po *ent.Payout, status string) error {
	b, err := json.Marshal(PayoutDecided{PayoutID: po.ID.String(), ExpertID: po.ExpertID.String(), Status: status, Amount: po.Amount})
	if err != nil {
		return fmt.Errorf("encode %s: %w", EventPayoutDecided, err)
	}
	return outbox.Add(ctx, tx, outbox.Message{Kind: outbox.Event, Topic: EventPayoutDecided, Key: po.ID.String(), Payload: b})
}
