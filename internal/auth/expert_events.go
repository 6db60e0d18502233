package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"backbone/ent"
	"backbone/internal/events"
	"backbone/internal/outbox"
	"backbone/internal/timex"
)

// emitExpert writes an event about an expert application (events.ExpertApplied to the
// admins, events.ExpertDecided to the applicant) in the transaction that changes it.
func emitExpert(ctx context.Context, tx *ent.Client, topic string, u *ent.User, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s: %w", topic, err)
	}
	return outbox.Add(ctx, tx, outbox.Message{Kind: outbox.Event, Topic: topic, Key: u.ID.String(), Payload: b})
}

// expertApplied is the event of u's expert application, made at.
func expertApplied(ctx context.Context, tx *ent.Client, u *ent.User, at time.Time) error {
	admins, err := events.Admins(ctx, tx)
	if err != nil {
		return err
	}
	return emitExpert(ctx, tx, events.TopicExpertApplied, u, events.ExpertApplied{UserID: u.ID, Subjects: u.ExpertSubjects,
		At: at, Admins: admins})
}

// expertDecided is the event of an admin's decision on u's application.
func expertDecided(ctx context.Context, tx *ent.Client, u *ent.User, approved bool, reason string) error {
	return emitExpert(ctx, tx, events.TopicExpertDecided, u, events.ExpertDecided{UserID: u.ID, Approved: approved,
		Reason: reason, At: timex.Now()})
}
