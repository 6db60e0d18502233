package questions

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/assignment"
	"backbone/ent/question"
	"backbone/internal/errs"
	"backbone/internal/textx"
)

// Decline closes a question the expert will not answer (out of scope, not answerable)
// and refunds the client: an open question in the expert's subjects, or one the expert
// holds, a revision included (the claim ends as DECLINED with the reason). Errors: UNAUTHENTICATED,
// FORBIDDEN, BAD_USER_INPUT (reason 1..1000 characters), NOT_FOUND (not visible to
// the expert), CONFLICT (neither open nor claimed).
func (s *Service) Decline(ctx context.Context, id uuid.UUID, reason string) (*ent.Question, error) {
	reason, err := textx.Plain("reason", reason, 1000, true)
	if err != nil {
		return nil, errs.Wrap("questions.Decline", err)
	}
	return s.txQuestion(ctx, "questions.Decline", func(ctx context.Context, tx *ent.Client) (*ent.Question, error) {
		p, _, err := s.expert(ctx, tx, true, false)
		if err != nil {
			return nil, err
		}
		q, err := load(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		mine := heldBy(q, p.UserID)
		mayTake := false
		if q.Status == question.StatusAWAITING_EXPERT {
			if mayTake, err = takes(ctx, tx, q.ID, p.UserID); err != nil {
				return nil, err
			}
		}
		switch {
		case q.Status != question.StatusAWAITING_EXPERT && !mine:
			return nil, notFound()
		case q.Status == question.StatusAWAITING_EXPERT && !mayTake && !mine:
			return nil, notFound() // not in their queue: as question(id:) answers them
		case q.Status == question.StatusAWAITING_EXPERT && !mayTake:
			return nil, errs.E(errs.Forbidden, "this question is not in your subjects")
		case slices.Contains(held, q.Status):
			a, err := activeClaim(ctx, tx, q.ID, p.UserID)
			if err != nil {
				return nil, err
			}
			if err := finish(ctx, tx, a, assignment.OutcomeDECLINED, reason, s.now()); err != nil {
				return nil, err
			}
		}
		wasQueued := q.Status == question.StatusAWAITING_EXPERT
		q, err = s.close(ctx, tx, q, actDecline, byExpert, func(up *ent.QuestionUpdateOne) {
			if !wasQueued {
				up.Where(question.ExpertID(p.UserID))
			}
		})
		if err != nil {
			return nil, err
		}
		if err := s.refund(ctx, tx, q, 0, "refund"); err != nil {
			return nil, err
		}
		return q, record(ctx, tx, q, change{action: "question.declined", taken: wasQueued, meta: map[string]any{"reason": reason}})
	})
}
