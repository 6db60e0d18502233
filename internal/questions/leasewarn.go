package questions

import (
	"context"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/assignment"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/outbox"
)

// WarnLeases tells the experts whose lease ends within settings.LeaseWarning (and has
// not ended yet) that it will (the event lease.expiring, a LEASE_EXPIRING notification).
// Each lease is told once: the claim is stamped lease_warned_at, which an extension
// clears. It returns how many it told (up to a batch of 200 per call). Safe on several
// instances (see sweep).
func (s *Service) WarnLeases(ctx context.Context) (int, error) {
	set, err := s.current(ctx)
	if err != nil {
		return 0, errs.Wrap("questions.WarnLeases", err)
	}
	if set.LeaseWarning <= 0 {
		return 0, nil
	}
	return s.sweep(ctx, "questions.WarnLeases", func(ctx context.Context) ([]uuid.UUID, error) {
		now := s.now()
		return s.db.Client.Assignment.Query().Where(assignment.OutcomeIsNil(), assignment.LeaseWarnedAtIsNil(),
			assignment.LeaseExpiresAtGT(now), assignment.LeaseExpiresAtLTE(now.Add(set.LeaseWarning))).
			Order(ent.Asc(assignment.FieldLeaseExpiresAt)).Limit(sweepBatch).IDs(ctx)
	}, s.lockAssignment, func(ctx context.Context, tx *ent.Client, id uuid.UUID) (bool, error) {
		now := s.now()
		a, err := tx.Assignment.Query().Where(assignment.ID(id), assignment.OutcomeIsNil(), assignment.LeaseWarnedAtIsNil(),
			assignment.LeaseExpiresAtGT(now), assignment.LeaseExpiresAtLTE(now.Add(set.LeaseWarning))).Only(ctx)
		if ent.IsNotFound(err) {
			return false, nil // ended, extended or told meanwhile
		}
		if err != nil {
			return false, err
		}
		if err := tx.Assignment.UpdateOneID(id).SetLeaseWarnedAt(now).SetUpdatedAt(now).Exec(ctx); err != nil {
			return false, err
		}
		return true, emit(ctx, tx, outbox.Event, events.TopicLeaseExpiring, a.QuestionID, events.LeaseExpiring{
			QuestionID: a.QuestionID, AssignmentID: a.ID, ExpertID: a.ExpertID, LeaseExpiresAt: a.LeaseExpiresAt})
	})
}
