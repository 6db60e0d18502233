package questions

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/assignment"
	"backbone/ent/question"
	"backbone/internal/errs"
	"backbone/internal/settings"
)

// Claim takes an open question in one of the expert's subjects: exactly one of several
// racing experts wins. The claim holds for the lease length of the question's terms (ExtendLease renews it).
// Errors: UNAUTHENTICATED, FORBIDDEN (not an approved expert, or a question the expert
// held outside their subjects now), NOT_FOUND (also a question neither in the expert's
// subjects nor held by them), CONFLICT (no longer open, its deadline passed, or the
// expert holds settings.MaxActiveClaims claims already: extension "limit").
func (s *Service) Claim(ctx context.Context, id uuid.UUID) (*ent.Assignment, error) {
	return s.txAssignment(ctx, "questions.Claim", func(ctx context.Context, tx *ent.Client, set settings.Settings) (*ent.Assignment, error) {
		// The locked user row serialises this expert's claims, so the limit holds.
		p, _, err := s.expert(ctx, tx, true, true)
		if err != nil {
			return nil, err
		}
		q, err := load(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if slices.Contains(beforeQueue, q.Status) {
			return nil, notFound() // no expert can have seen it
		}
		mayTake, err := takes(ctx, tx, q.ID, p.UserID)
		if err != nil {
			return nil, err
		}
		if !mayTake && !heldBy(q, p.UserID) {
			// Neither in their subjects nor theirs: as question(id:) answers them, so that
			// no status tells them it exists.
			return nil, notFound()
		}
		if _, err := step(actClaim, byExpert, q.Status); err != nil {
			return nil, err
		}
		now := s.now()
		switch {
		case !mayTake:
			return nil, errs.E(errs.Forbidden, "this question is not in your subjects")
		case !q.Deadline.After(now):
			return nil, conflict(q.Status, "this question's deadline has passed")
		}
		active, err := tx.Assignment.Query().Where(assignment.ExpertID(p.UserID), assignment.OutcomeIsNil()).Count(ctx)
		if err != nil {
			return nil, err
		}
		if active >= set.MaxActiveClaims {
			return nil, conflict(q.Status, "you hold as many claims as allowed").With("limit", set.MaxActiveClaims)
		}
		q, err = s.transit(ctx, tx, q, actClaim, byExpert, func(up *ent.QuestionUpdateOne) { up.SetExpertID(p.UserID) })
		if err != nil {
			return nil, err
		}
		a, err := tx.Assignment.Create().SetQuestionID(q.ID).SetExpertID(p.UserID).SetClaimedAt(now).
			SetLeaseExpiresAt(now.Add(termsFor(q, set).Lease)).SetCreatedAt(now).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return nil, err
		}
		return a, record(ctx, tx, q, change{action: "question.claimed", taken: true, takenBy: &p.UserID,
			meta: map[string]any{"assignmentId": a.ID.String()}})
	})
}

// txAssignment runs fn in a transaction (see inTx) with the current settings, read
// before it starts, and returns fn's assignment unwrapped from the transaction.
func (s *Service) txAssignment(ctx context.Context, op string, fn func(ctx context.Context, tx *ent.Client, set settings.Settings) (*ent.Assignment, error)) (*ent.Assignment, error) {
	set, err := s.current(ctx)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	var a *ent.Assignment
	err = s.inTx(ctx, op, func(ctx context.Context, tx *ent.Client) error {
		var err error
		a, err = fn(ctx, tx, set)
		return err
	})
	if err != nil {
		return nil, err
	}
	return unwrapA(a), nil
}

// ownActiveClaim returns the calling expert's active assignment on question id (or the
// assignment id), after the checks of s.expert. Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND.
func (s *Service) ownActiveClaim(ctx context.Context, tx *ent.Client, id uuid.UUID) (*ent.Assignment, error) {
	p, _, err := s.expert(ctx, tx, true, false)
	if err != nil {
		return nil, err
	}
	return activeClaim(ctx, tx, id, p.UserID)
}

// activeClaim returns the expert's active assignment on question id (an assignment's
// own id is accepted too); another expert's answers NOT_FOUND like a missing one.
func activeClaim(ctx context.Context, tx *ent.Client, id, expertID uuid.UUID) (*ent.Assignment, error) {
	a, err := tx.Assignment.Query().
		Where(assignment.Or(assignment.QuestionID(id), assignment.ID(id)), assignment.ExpertID(expertID)).
		Order(ent.Desc(assignment.FieldClaimedAt), ent.Desc(assignment.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, notFound()
	}
	if err != nil {
		return nil, err
	}
	if a.Outcome != nil {
		q, err := load(ctx, tx, a.QuestionID)
		if err != nil {
			return nil, err
		}
		return nil, conflict(q.Status, "you no longer hold this question").With("outcome", string(*a.Outcome))
	}
	return a, nil
}

// ExtendLease renews the expert's claim on question id (or the assignment id) for
// the lease length of the question's terms from now. Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND (never the
// expert's), CONFLICT (the claim ended, or its lease already ran out).
func (s *Service) ExtendLease(ctx context.Context, id uuid.UUID) (*ent.Assignment, error) {
	return s.txAssignment(ctx, "questions.ExtendLease", func(ctx context.Context, tx *ent.Client, set settings.Settings) (*ent.Assignment, error) {
		cur, err := s.ownActiveClaim(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		held, err := load(ctx, tx, cur.QuestionID)
		if err != nil {
			return nil, err
		}
		now := s.now()
		a, err := tx.Assignment.UpdateOneID(cur.ID).
			Where(assignment.OutcomeIsNil(), assignment.LeaseExpiresAtGT(now)).
			SetLeaseExpiresAt(now.Add(termsFor(held, set).Lease)).ClearLeaseWarnedAt().SetUpdatedAt(now).Save(ctx)
		if ent.IsNotFound(err) {
			return nil, afterMiss(ctx, tx, cur.QuestionID, "your lease has run out")
		}
		if err != nil {
			return nil, err
		}
		q, err := load(ctx, tx, a.QuestionID)
		if err != nil {
			return nil, err
		}
		return a, record(ctx, tx, q, change{action: "question.lease_extended", at: now, statusKept: true,
			meta: map[string]any{"leaseExpiresAt": a.LeaseExpiresAt}})
	})
}

// ReleaseTask gives the expert's claim back: the question returns to the queue, or,
// for a revision of an answer already delivered, back to DELIVERED (see unclaim).
// Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT (the claim already ended).
func (s *Service) ReleaseTask(ctx context.Context, id uuid.UUID) (*ent.Question, error) {
	return s.txQuestion(ctx, "questions.ReleaseTask", func(ctx context.Context, tx *ent.Client) (*ent.Question, error) {
		a, err := s.ownActiveClaim(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if err := finish(ctx, tx, a, assignment.OutcomeRELEASED, "", s.now()); err != nil {
			return nil, err
		}
		q, c, err := s.unclaim(ctx, tx, a, byExpert)
		if err != nil {
			return nil, err
		}
		c.action, c.meta = "question.released", map[string]any{"expertId": a.ExpertID.String()}
		return q, record(ctx, tx, q, c)
	})
}

// unclaim takes a held question (CLAIMED, or REVISION_REQUESTED) from the expert of the
// ended assignment a, for by (the expert releasing it, or the lease sweep). A first
// claim returns the question to the queue (AWAITING_EXPERT). A revision claim returns
// it to DELIVERED with its last answer, the auto-accept delay starting again: the
// client may accept, dispute or ask again (a requeued revision could otherwise expire
// past its deadline and refund an answer already delivered). It answers CONFLICT when
// the question is no longer held by that expert.
func (s *Service) unclaim(ctx context.Context, tx *ent.Client, a *ent.Assignment, by actor) (*ent.Question, change, error) {
	q, err := load(ctx, tx, a.QuestionID)
	if err != nil {
		return nil, change{}, err
	}
	// A held question with an answer is a revision (also CLAIMED, for one reassigned
	// before revisions stayed with their expert): its answer stands.
	revision := q.DeliveredAt != nil
	act := actRequeue
	if revision {
		act = actDropRevision
	}
	q, err = s.transit(ctx, tx, q, act, by, func(up *ent.QuestionUpdateOne) {
		up.Where(question.ExpertID(a.ExpertID))
		if revision {
			now := s.now()
			up.SetDeliveredAt(now).SetNillableAutoAcceptAt(autoAcceptAt(q, now))
		} else {
			up.ClearExpertID()
		}
	})
	return q, change{available: !revision}, err
}

// finish ends an active assignment; CONFLICT if it ended meanwhile.
func finish(ctx context.Context, tx *ent.Client, a *ent.Assignment, outcome assignment.Outcome, reason string, now time.Time) error {
	up := tx.Assignment.Update().Where(assignment.ID(a.ID), assignment.OutcomeIsNil()).
		SetOutcome(outcome).SetEndedAt(now).SetUpdatedAt(now)
	if reason != "" {
		up.SetReason(reason)
	}
	n, err := up.Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return afterMiss(ctx, tx, a.QuestionID, "this claim has already ended")
	}
	return nil
}
