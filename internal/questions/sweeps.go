package questions

import (
	"context"
	"errors"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/assignment"
	"backbone/ent/question"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/settings"
)

// sweepBatch bounds the rows one sweep call handles; the scheduler calls again.
// ExpireDeadlines and AutoAccept return, like ExpireLeases, the count and the failures.
const sweepBatch = 200

// Route is the handler of the job "questions.route": a SUBMITTED question enters the
// experts' queue (AWAITING_EXPERT). Idempotent: a redelivered job, or one for a question
// that moved on or is gone, changes nothing and succeeds.
func (s *Service) Route(ctx context.Context, questionID uuid.UUID) error {
	return s.inTx(ctx, "questions.Route", func(ctx context.Context, tx *ent.Client) error {
		q, err := load(ctx, tx, questionID)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.route(ctx, tx, q)
	})
}

// ExpireLeases ends the claims whose lease ran out (outcome EXPIRED) and puts their
// questions back in the queue (a revision's back to DELIVERED: see unclaim). It returns how many it ended (up to a batch of 200 per
// call) and the rows that failed, joined. Safe on several instances (see sweep).
func (s *Service) ExpireLeases(ctx context.Context) (int, error) {
	return s.sweep(ctx, "questions.ExpireLeases", func(ctx context.Context) ([]uuid.UUID, error) {
		return s.db.Client.Assignment.Query().Where(assignment.OutcomeIsNil(), assignment.LeaseExpiresAtLTE(s.now())).
			Order(ent.Asc(assignment.FieldLeaseExpiresAt)).Limit(sweepBatch).IDs(ctx)
	}, s.lockAssignment, s.expireLease)
}

// expireLease ends one claim if its lease still ran out; false when it changed meanwhile.
func (s *Service) expireLease(ctx context.Context, tx *ent.Client, id uuid.UUID) (bool, error) {
	now := s.now()
	n, err := tx.Assignment.Update().
		Where(assignment.ID(id), assignment.OutcomeIsNil(), assignment.LeaseExpiresAtLTE(now)).
		SetOutcome(assignment.OutcomeEXPIRED).SetEndedAt(now).SetUpdatedAt(now).Save(ctx)
	if err != nil || n == 0 {
		return false, err
	}
	a, err := tx.Assignment.Get(ctx, id)
	if err != nil {
		return false, err
	}
	return true, s.takeBackExpired(ctx, tx, a, "question.lease_expired", now)
}

// takeBackExpired takes the question of the claim a, just ended as EXPIRED, back from its
// expert (see unclaim) and records it as action, with the events of a lease expiry.
func (s *Service) takeBackExpired(ctx context.Context, tx *ent.Client, a *ent.Assignment, action string, now time.Time) error {
	q, c, err := s.unclaim(ctx, tx, a, bySystem)
	if errs.Is(err, errs.Conflict) {
		return nil // a stray claim on a question that moved on: ended, nothing to requeue
	}
	if err != nil {
		return err
	}
	c.action, c.meta = action, map[string]any{"expertId": a.ExpertID.String(), "assignmentId": a.ID.String()}
	c.notices = []event{{events.TopicLeaseExpired, events.LeaseExpired{QuestionID: q.ID, AssignmentID: a.ID,
		ExpertID: a.ExpertID, At: now}}}
	return record(ctx, tx, q, c)
}

// ExpireDeadlines closes the open questions whose deadline passed with no expert
// (EXPIRED) and refunds their clients; a claimed question is left to its lease. It returns how many it closed.
func (s *Service) ExpireDeadlines(ctx context.Context) (int, error) {
	return s.sweep(ctx, "questions.ExpireDeadlines", func(ctx context.Context) ([]uuid.UUID, error) {
		return s.db.Client.Question.Query().Where(question.StatusIn(sources(actExpire)...),
			question.DeadlineLTE(s.now())).Order(ent.Asc(question.FieldDeadline)).Limit(sweepBatch).IDs(ctx)
	}, s.lockQuestion, func(ctx context.Context, tx *ent.Client, id uuid.UUID) (bool, error) {
		q, err := load(ctx, tx, id)
		if err != nil {
			return false, err
		}
		now := s.now()
		if !allows(actExpire, q.Status) || q.Deadline.After(now) {
			return false, nil // claimed, cancelled or given more time meanwhile
		}
		q, err = s.close(ctx, tx, q, actExpire, bySystem, func(u *ent.QuestionUpdateOne) { u.Where(question.DeadlineLTE(now)) })
		if errs.Is(err, errs.Conflict) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if err := s.refund(ctx, tx, q, 0, "refund"); err != nil {
			return false, err
		}
		return true, record(ctx, tx, q, change{action: "question.expired", taken: true,
			notices: []event{{events.TopicQuestionExpired, events.QuestionExpired{QuestionID: q.ID, ClientID: q.ClientID, At: q.UpdatedAt}}}})
	})
}

// AutoAccept accepts, on their clients' behalf and without a rating, the answers whose
// auto-accept time passed (delivery plus the auto-accept delay of the question's terms;
// the current settings' delay for a question without terms), paying their experts. It
// returns how many it accepted.
func (s *Service) AutoAccept(ctx context.Context) (int, error) {
	set, err := s.current(ctx)
	if err != nil {
		return 0, errs.Wrap("questions.AutoAccept", err)
	}
	return s.sweep(ctx, "questions.AutoAccept", func(ctx context.Context) ([]uuid.UUID, error) {
		now := s.now()
		return s.db.Client.Question.Query().Where(question.StatusIn(sources(actAccept)...), question.Or(
			question.AutoAcceptAtLTE(now),
			question.And(question.AutoAcceptAtIsNil(), question.DeliveredAtLTE(now.Add(-set.AutoAcceptDelay))),
		)).Order(ent.Asc(question.FieldDeliveredAt)).Limit(sweepBatch).IDs(ctx)
	}, s.lockQuestion, func(ctx context.Context, tx *ent.Client, id uuid.UUID) (bool, error) {
		q, err := load(ctx, tx, id)
		if err != nil {
			return false, err
		}
		if !allows(actAccept, q.Status) || !autoAcceptDue(q, set, s.now()) {
			return false, nil
		}
		q, err = s.accept(ctx, tx, q, bySystem, set)
		if errs.Is(err, errs.Conflict) {
			return false, nil // accepted, revised or disputed meanwhile
		}
		if err != nil {
			return false, err
		}
		return true, record(ctx, tx, q, change{action: "question.auto_accepted",
			notices: []event{{events.TopicAnswerAccepted, events.AnswerAccepted{QuestionID: q.ID, ExpertID: *q.ExpertID,
				Auto: true, At: q.UpdatedAt}}}})
	})
}

// lockQuestion locks one question row for a sweep, skipping it (false) when another
// instance holds it; on SQLite the transaction already serialises writers.
func (s *Service) lockQuestion(ctx context.Context, tx *ent.Client, id uuid.UUID) (bool, error) {
	if !s.db.Postgres() {
		return true, nil
	}
	ids, err := tx.Question.Query().Where(question.ID(id)).ForUpdate(entsql.WithLockAction(entsql.SkipLocked)).IDs(ctx)
	return len(ids) == 1, err
}

// lockAssignment is lockQuestion for an assignment row.
func (s *Service) lockAssignment(ctx context.Context, tx *ent.Client, id uuid.UUID) (bool, error) {
	if !s.db.Postgres() {
		return true, nil
	}
	ids, err := tx.Assignment.Query().Where(assignment.ID(id)).ForUpdate(entsql.WithLockAction(entsql.SkipLocked)).IDs(ctx)
	return len(ids) == 1, err
}

// sweep reads a batch of candidates, then handles each in its own transaction: the row
// is locked with SKIP LOCKED (another instance working on it is passed by) and changed
// by a conditional update, so two instances never act on one row and one failing row
// does not hold the others back. It returns how many rows changed, and the failures.
func (s *Service) sweep(ctx context.Context, op string,
	find func(ctx context.Context) ([]uuid.UUID, error),
	lock func(ctx context.Context, tx *ent.Client, id uuid.UUID) (bool, error),
	handle func(ctx context.Context, tx *ent.Client, id uuid.UUID) (bool, error)) (int, error) {
	ids, err := find(db.System(ctx))
	if err != nil {
		return 0, errs.Wrap(op, err)
	}
	var done int
	var failed []error
	for _, id := range ids {
		var changed bool
		err := s.inTx(ctx, op, func(ctx context.Context, tx *ent.Client) error {
			ok, err := lock(ctx, tx, id)
			if err != nil || !ok {
				return err
			}
			changed, err = handle(ctx, tx, id)
			return err
		})
		if err != nil {
			s.log.ErrorContext(ctx, "sweep failed on one row", "op", op, "id", id, "err", err)
			failed = append(failed, err)
			continue
		}
		if changed {
			done++
		}
	}
	return done, errors.Join(failed...)
}

// autoAcceptDue reports whether the delivered answer of q is due for auto-acceptance at
// now: at its auto_accept_at, or for a question without one by the current settings.
func autoAcceptDue(q *ent.Question, set settings.Settings, now time.Time) bool {
	switch {
	case q.AutoAcceptAt != nil:
		return !q.AutoAcceptAt.After(now)
	case q.DeliveredAt != nil:
		return !q.DeliveredAt.Add(set.AutoAcceptDelay).After(now)
	}
	return false
}
