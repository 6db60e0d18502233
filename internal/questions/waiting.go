package questions

import (
	"context"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/internal/db"
	"backbone/internal/errs"
)

// Waiting is a question awaiting an expert, as operators watch it.
type Waiting struct {
	ID       uuid.UUID
	AskedAt  time.Time
	Deadline time.Time
}

// DeadlineUsed is the share of the time from asking to the deadline that has passed at
// now: 0 when just asked, 1 at the deadline (the sweep then expires and refunds it).
func (w Waiting) DeadlineUsed(now time.Time) float64 {
	window := w.Deadline.Sub(w.AskedAt)
	if window <= 0 {
		return 1
	}
	return max(float64(now.Sub(w.AskedAt))/float64(window), 0)
}

// OldestWaiting returns the question that has waited longest for an expert (asked first
// among those AWAITING_EXPERT); false when none waits. It is for health reports.
func (s *Service) OldestWaiting(ctx context.Context) (Waiting, bool, error) {
	q, err := s.db.Client.Question.Query().Where(question.StatusEQ(question.StatusAWAITING_EXPERT)).
		Order(question.ByCreatedAt(), question.ByID()).
		Select(question.FieldID, question.FieldCreatedAt, question.FieldDeadline).
		First(db.System(ctx))
	if ent.IsNotFound(err) {
		return Waiting{}, false, nil
	}
	if err != nil {
		return Waiting{}, false, errs.Wrap("questions.OldestWaiting", err)
	}
	return Waiting{ID: q.ID, AskedAt: q.CreatedAt, Deadline: q.Deadline}, true, nil
}
