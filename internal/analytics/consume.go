package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/analyticsledgerentry"
	"backbone/ent/analyticsquestion"
	"backbone/ent/question"
	"backbone/internal/db"
	"backbone/internal/events"
	"backbone/internal/queue"
)

// Topics are the events the rollups follow: every change of a question, every ledger
// transaction.
var Topics = []string{events.TopicQuestionUpdated, events.TopicLedgerPosted}

// jobPrefix makes the queue topic that carries an event to the rollups' consumer.
const jobPrefix = "analytics."

// JobTopic is the queue topic that carries event topic to the rollups' consumer.
func JobTopic(topic string) string { return jobPrefix + topic }

// errRaced says another consumer changed the same question's fact first.
var errRaced = errors.New("analytics: another consumer updated the question first")

// HandleJob counts one event in the rollups. A redelivered event changes nothing.
func (s *Service) HandleJob(ctx context.Context, job queue.Job) error {
	topic, _ := strings.CutPrefix(job.Topic, jobPrefix)
	switch topic {
	case events.TopicQuestionUpdated:
		var e events.QuestionUpdated
		if err := json.Unmarshal(job.Payload, &e); err != nil {
			return queue.Permanent(fmt.Errorf("decode %s: %w", topic, err))
		}
		return s.Refresh(ctx, e.QuestionID)
	case events.TopicLedgerPosted:
		var e events.LedgerPosted
		if err := json.Unmarshal(job.Payload, &e); err != nil {
			return queue.Permanent(fmt.Errorf("decode %s: %w", topic, err))
		}
		return s.CountLedger(ctx, e)
	}
	return queue.Permanent(fmt.Errorf("analytics: job of topic %q carries no event it follows", job.Topic))
}

// Refresh reads a question's facts from the base tables and applies to the rollups their
// difference from what the question contributed so far, in one transaction. Reading the
// facts again, rather than adding what an event says, makes any number of deliveries of
// a question's events, in any order, count once.
func (s *Service) Refresh(ctx context.Context, id uuid.UUID) error {
	ctx = db.System(ctx)
	err := db.InTx(ctx, s.db.Client, func(tx *ent.Client) error {
		err := s.refresh(ctx, tx, id)
		if errors.Is(err, errRaced) || ent.IsConstraintError(err) {
			// A race with another consumer of the same question: reading again resolves it.
			return fmt.Errorf("%w: %w", db.ErrRetry, err)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("analytics.Refresh %s: %w", id, err)
	}
	return nil
}

func (s *Service) refresh(ctx context.Context, tx *ent.Client, id uuid.UUID) error {
	rows, err := tx.QueryContext(ctx, factSelect+" WHERE q.id = "+s.db.Placeholder(1), id)
	if err != nil {
		return fmt.Errorf("read facts: %w", err)
	}
	var now *fact
	for rows.Next() {
		_, f, err := scanFact(rows)
		if err != nil {
			_ = rows.Close()
			return err
		}
		now = &f
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read facts: %w", err)
	}
	if now == nil {
		return nil // no such question: nothing to count
	}
	row, err := tx.AnalyticsQuestion.Get(ctx, id)
	if err != nil && !ent.IsNotFound(err) {
		return fmt.Errorf("read counted facts: %w", err)
	}
	d := newDelta()
	if row != nil {
		before := storedFact(row)
		if before.equal(*now) {
			return nil
		}
		before.addTo(d, -1)
	}
	now.addTo(d, 1)
	if err := saveFact(ctx, tx, id, row, *now); err != nil {
		return err
	}
	return apply(ctx, tx, d, s.db.Postgres())
}

// saveFact records f as what question id contributes: a new row, or an update of row
// that fails with errRaced when another consumer changed it since it was read.
func saveFact(ctx context.Context, tx *ent.Client, id uuid.UUID, row *ent.AnalyticsQuestion, f fact) error {
	if row == nil {
		err := tx.AnalyticsQuestion.Create().SetID(id).SetVersion(0).SetSubject(f.Subject).
			SetSubmittedAt(f.SubmittedAt).SetDeadline(f.Deadline).SetNillableFirstClaimAt(f.FirstClaimAt).
			SetNillableFirstDeliveryAt(f.FirstDeliveryAt).SetNillableDeliveredBy(f.DeliveredBy).SetOutcome(f.Outcome).
			SetNillableClosedAt(f.ClosedAt).SetNillableAcceptedBy(f.AcceptedBy).SetNillableDisputedAt(f.DisputedAt).
			SetNillableRatedAt(f.RatedAt).SetStars(f.Stars).SetNillableRatedExpert(f.RatedExpert).Exec(ctx)
		if err != nil {
			return fmt.Errorf("record facts: %w", err)
		}
		return nil
	}
	up := tx.AnalyticsQuestion.Update().Where(analyticsquestion.ID(id), analyticsquestion.Version(row.Version)).
		SetVersion(row.Version + 1).SetSubject(f.Subject).SetSubmittedAt(f.SubmittedAt).SetDeadline(f.Deadline).
		SetOutcome(f.Outcome).SetStars(f.Stars)
	setOrClearTime(f.FirstClaimAt, up.SetFirstClaimAt, up.ClearFirstClaimAt)
	setOrClearTime(f.FirstDeliveryAt, up.SetFirstDeliveryAt, up.ClearFirstDeliveryAt)
	setOrClearTime(f.ClosedAt, up.SetClosedAt, up.ClearClosedAt)
	setOrClearTime(f.DisputedAt, up.SetDisputedAt, up.ClearDisputedAt)
	setOrClearTime(f.RatedAt, up.SetRatedAt, up.ClearRatedAt)
	setOrClearID(f.DeliveredBy, up.SetDeliveredBy, up.ClearDeliveredBy)
	setOrClearID(f.AcceptedBy, up.SetAcceptedBy, up.ClearAcceptedBy)
	setOrClearID(f.RatedExpert, up.SetRatedExpert, up.ClearRatedExpert)
	n, err := up.Save(ctx)
	if err != nil {
		return fmt.Errorf("record facts: %w", err)
	}
	if n != 1 {
		return errRaced
	}
	return nil
}

func setOrClearTime[U any](t *time.Time, set func(time.Time) U, clear func() U) {
	if t != nil {
		set(*t)
	} else {
		clear()
	}
}

func setOrClearID[U any](id *uuid.UUID, set func(uuid.UUID) U, clear func() U) {
	if id != nil {
		set(*id)
	} else {
		clear()
	}
}

// storedFact is the fact a rollup row recorded.
func storedFact(r *ent.AnalyticsQuestion) fact {
	return fact{Subject: r.Subject, SubmittedAt: r.SubmittedAt, Deadline: r.Deadline,
		FirstClaimAt: r.FirstClaimAt, FirstDeliveryAt: r.FirstDeliveryAt, DeliveredBy: r.DeliveredBy,
		Outcome: r.Outcome, ClosedAt: r.ClosedAt, AcceptedBy: r.AcceptedBy, DisputedAt: r.DisputedAt,
		RatedAt: r.RatedAt, Stars: r.Stars, RatedExpert: r.RatedExpert}
}

// equal reports whether f and o contribute the same to the rollups.
func (f fact) equal(o fact) bool {
	return f.Subject == o.Subject && f.SubmittedAt.Equal(o.SubmittedAt) && f.Deadline.Equal(o.Deadline) &&
		sameTime(f.FirstClaimAt, o.FirstClaimAt) && sameTime(f.FirstDeliveryAt, o.FirstDeliveryAt) &&
		sameID(f.DeliveredBy, o.DeliveredBy) && f.Outcome == o.Outcome && sameTime(f.ClosedAt, o.ClosedAt) &&
		sameID(f.AcceptedBy, o.AcceptedBy) && sameTime(f.DisputedAt, o.DisputedAt) &&
		sameTime(f.RatedAt, o.RatedAt) && f.Stars == o.Stars && sameID(f.RatedExpert, o.RatedExpert)
}

func sameTime(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
func sameID(a, b *uuid.UUID) bool   { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// CountLedger counts one ledger transaction in the rollups, once: the transaction's id is
// recorded in the same database transaction as the counts.
func (s *Service) CountLedger(ctx context.Context, e events.LedgerPosted) error {
	if !countedLedger(e.Kind) {
		return nil
	}
	ctx = db.System(ctx)
	err := db.InTx(ctx, s.db.Client, func(tx *ent.Client) error {
		seen, err := tx.AnalyticsLedgerEntry.Query().Where(analyticsledgerentry.ID(e.TransactionID)).Exist(ctx)
		if err != nil || seen {
			return err
		}
		// A concurrent duplicate fails on the primary key and is retried by the queue,
		// then finds the row.
		if err := tx.AnalyticsLedgerEntry.Create().SetID(e.TransactionID).Exec(ctx); err != nil {
			return err
		}
		l := ledgerFact{At: e.At, Kind: e.Kind, Gross: e.Gross, Fees: e.Fees}
		if e.QuestionID != nil {
			// A posting names its question (the rebuild joins them alike); one that names
			// none that exists counts in the all-subjects figures only.
			subjects, err := tx.Question.Query().Where(question.ID(*e.QuestionID)).Select(question.FieldSubject).Strings(ctx)
			if err != nil {
				return fmt.Errorf("question's subject: %w", err)
			}
			if len(subjects) == 1 {
				l.Subject = subjects[0]
			}
		}
		d := newDelta()
		l.addTo(d)
		return apply(ctx, tx, d, s.db.Postgres())
	})
	if err != nil {
		return fmt.Errorf("analytics.CountLedger %s: %w", e.TransactionID, err)
	}
	return nil
}
