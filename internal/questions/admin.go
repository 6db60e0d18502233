package questions

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/assignment"
	"backbone/ent/dispute"
	"backbone/ent/question"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/settings"
	"backbone/internal/textx"
)

// ResolveDispute closes a disputed question: refund credits (0..price) go back to the
// client, the rest is captured for the expert less the platform fee of the question's terms.
// Not by an admin who is the question's client or expert (a user made an admin later):
// another admin decides money of their own, as with payouts and grants.
// Errors: UNAUTHENTICATED, FORBIDDEN (not an admin; the question's client or expert),
// BAD_USER_INPUT (refund out of range, note over 2000 characters), NOT_FOUND, CONFLICT
// (not DISPUTED).
func (s *Service) ResolveDispute(ctx context.Context, id uuid.UUID, refund int64, note string) (*ent.Question, error) {
	p, err := admin(ctx)
	if err == nil {
		note, err = textx.Plain("note", note, 2000, false)
	}
	if err != nil {
		return nil, errs.Wrap("questions.ResolveDispute", err)
	}
	return s.txQuestionWith(ctx, "questions.ResolveDispute", func(ctx context.Context, tx *ent.Client, set settings.Settings) (*ent.Question, error) {
		q, err := load(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if q.ClientID == p.UserID || (q.ExpertID != nil && *q.ExpertID == p.UserID) {
			return nil, errs.E(errs.Forbidden, "you cannot resolve a dispute about your own question or answer: another admin resolves it")
		}
		if refund < 0 || refund > q.Price {
			return nil, errs.Ef(errs.BadUserInput, "the refund must be 0 to %d credits", q.Price).With("field", "refund")
		}
		q, err = s.close(ctx, tx, q, actResolve, byAdmin, nil)
		if err != nil {
			return nil, err
		}
		now := s.now()
		n, err := tx.Dispute.Update().Where(dispute.QuestionID(q.ID), dispute.StatusEQ(dispute.StatusOPEN)).
			SetStatus(dispute.StatusRESOLVED).SetRefund(refund).SetNote(note).SetResolvedBy(p.UserID).
			SetResolvedAt(now).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return nil, err
		}
		if n != 1 {
			return nil, conflict(question.StatusDISPUTED, "this dispute is not open")
		}
		if refund > 0 {
			if err := s.refund(ctx, tx, q, refund, "dispute-refund"); err != nil {
				return nil, err
			}
		}
		if refund < q.Price {
			if q.ExpertID == nil {
				return nil, errs.E(errs.Internal, "disputed question without an expert")
			}
			if err := s.capture(ctx, tx, q, 0, set); err != nil {
				return nil, err
			}
		}
		return q, record(ctx, tx, q, change{action: "question.dispute_resolved", meta: map[string]any{"refund": refund, "note": note},
			notices: []event{{events.TopicDisputeResolved, events.DisputeResolved{QuestionID: q.ID, ClientID: q.ClientID,
				ExpertID: q.ExpertID, Refund: refund, Price: q.Price, Note: note, At: now}}}})
	})
}

// Reassign ends the current claim on a question (outcome REASSIGNED): with expertID nil
// a claimed question returns to the queue; otherwise that approved expert holds it
// (CLAIMED) under a fresh lease (a queued question may be assigned directly too), as a
// claim would: of its subject, below the claim limit. A revision stays with its expert:
// with expertID nil it ends as a release does (DELIVERED), with an expert it is CONFLICT.
// It is decided on the question as read: one claimed, released or reassigned meanwhile is
// CONFLICT, not taken from the expert who claimed it since.
// Errors: UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT (expertID is not an approved expert
// of the subject), NOT_FOUND, CONFLICT (neither queued nor claimed, changed since it was
// read, a revision given an expert, or the expert at the claim limit).
func (s *Service) Reassign(ctx context.Context, id uuid.UUID, expertID *uuid.UUID) (*ent.Question, error) {
	if _, err := admin(ctx); err != nil {
		return nil, errs.Wrap("questions.Reassign", err)
	}
	return s.txQuestionWith(ctx, "questions.Reassign", func(ctx context.Context, tx *ent.Client, set settings.Settings) (*ent.Question, error) {
		if expertID != nil {
			// Locked as a claim locks it: the claim limit holds against the expert's own claims.
			if _, err := s.approvedExpert(ctx, tx, *expertID, true); err != nil {
				return nil, errs.E(errs.BadUserInput, "not an approved expert").With("field", "expertId")
			}
		}
		q, err := load(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		// A held question with an answer is a revision (REVISION_REQUESTED; CLAIMED with
		// an answer for a revision reassigned before revisions stayed with their expert).
		revision := q.DeliveredAt != nil && slices.Contains(held, q.Status)
		act := actAssign
		switch {
		case revision && expertID != nil:
			return nil, conflict(q.Status, "a revision stays with the expert who wrote the answer: reassignQuestion without expertId ends it, and the client has the answer back")
		case revision:
			act = actDropRevision
		case expertID == nil:
			act = actUnassign
		}
		if expertID != nil && (q.ExpertID == nil || *q.ExpertID != *expertID) {
			if err := s.mayBeGiven(ctx, tx, q, *expertID, set); err != nil {
				return nil, err
			}
		}
		read, previous := q.Status, q.ExpertID
		wasQueued := read == question.StatusAWAITING_EXPERT
		now := s.now()
		q, err = s.transit(ctx, tx, q, act, byAdmin, func(up *ent.QuestionUpdateOne) {
			// Decided on the question as read: its status and expert must still be so. An
			// expert's claim (or release) committed since is not overridden: CONFLICT.
			up.Where(question.StatusEQ(read))
			if previous == nil {
				up.Where(question.ExpertIDIsNil())
			} else {
				up.Where(question.ExpertID(*previous))
			}
			switch {
			case revision: // as when its expert releases it
				up.SetDeliveredAt(now).SetNillableAutoAcceptAt(autoAcceptAt(q, now))
			case expertID == nil:
				up.ClearExpertID()
			default:
				up.SetExpertID(*expertID)
			}
		})
		if errs.Is(err, errs.Conflict) && allows(act, read) {
			// Allowed as read, the update missed: the question changed meanwhile.
			return nil, afterMiss(ctx, tx, id, "this question was claimed, released or reassigned meanwhile: read it again")
		}
		if err != nil {
			return nil, err
		}
		_, err = tx.Assignment.Update().Where(assignment.QuestionID(q.ID), assignment.OutcomeIsNil()).
			SetOutcome(assignment.OutcomeREASSIGNED).SetEndedAt(now).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return nil, err
		}
		// A claim given to another expert stays CLAIMED: its client is not told (notify).
		c := change{action: "question.reassigned", meta: map[string]any{"from": previous, "to": expertID}, statusKept: q.Status == read,
			notices: []event{{events.TopicQuestionReassigned, events.QuestionReassigned{QuestionID: q.ID,
				From: previous, To: expertID, At: now}}}}
		if expertID == nil {
			c.available = !revision
		} else {
			c.taken, c.takenBy = wasQueued, expertID
			err = tx.Assignment.Create().SetQuestionID(q.ID).SetExpertID(*expertID).SetClaimedAt(now).
				SetLeaseExpiresAt(now.Add(termsFor(q, set).Lease)).SetCreatedAt(now).SetUpdatedAt(now).Exec(ctx)
			if err != nil {
				return nil, err
			}
		}
		return q, record(ctx, tx, q, c)
	})
}

// mayBeGiven checks that an admin may give q to the expert: the rules of a claim, the
// subject and the claim limit, apply to an assignment too.
func (s *Service) mayBeGiven(ctx context.Context, tx *ent.Client, q *ent.Question, expertID uuid.UUID, set settings.Settings) error {
	mayTake, err := takes(ctx, tx, q.ID, expertID)
	if err != nil {
		return err
	}
	if !mayTake {
		return errs.Ef(errs.BadUserInput, "the expert does not answer %s", q.Subject).With("field", "expertId")
	}
	active, err := tx.Assignment.Query().Where(assignment.ExpertID(expertID), assignment.OutcomeIsNil()).Count(ctx)
	if err != nil {
		return err
	}
	if active >= set.MaxActiveClaims {
		return conflict(q.Status, "the expert holds as many claims as allowed").With("limit", set.MaxActiveClaims)
	}
	return nil
}
