package questions

import (
	"context"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/assignment"
	"backbone/internal/db"
)

// suspendedReason is the reason of a claim ended by its expert's suspension.
const suspendedReason = "the expert was suspended"

// ReleaseClaimsOf ends every active claim of the user, in tx (the transaction of their
// suspension: auth.Service.OnSuspend), as the lease sweep ends a lapsed one at once: outcome
// EXPIRED (with a reason saying why), a first claim back in the queue, a revision back to
// DELIVERED with its answer, and the events of a lease expiry (the audit action is
// question.claim_ended_by_suspension). Their delivered answers are left as they are. It
// returns how many claims it ended.
func (s *Service) ReleaseClaimsOf(ctx context.Context, tx *ent.Client, userID uuid.UUID) (int, error) {
	ctx = db.System(ctx) // the suspending admin stays the audit rows' actor
	active, err := tx.Assignment.Query().Where(assignment.ExpertID(userID), assignment.OutcomeIsNil()).
		Order(ent.Asc(assignment.FieldID)).All(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	var ended int
	for _, a := range active {
		// Guarded as the sweep guards its own: a claim it (or the expert) ended meanwhile is left.
		n, err := tx.Assignment.Update().Where(assignment.ID(a.ID), assignment.OutcomeIsNil()).
			SetOutcome(assignment.OutcomeEXPIRED).SetReason(suspendedReason).SetEndedAt(now).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return ended, err
		}
		if n == 0 {
			continue
		}
		ended++
		if err := s.takeBackExpired(ctx, tx, a, "question.claim_ended_by_suspension", now); err != nil {
			return ended, err
		}
	}
	return ended, nil
}
