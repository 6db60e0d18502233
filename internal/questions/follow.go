package questions

import (
	"context"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/internal/db"
	"backbone/internal/errs"
)

// QueueStatus is the status of the questions waiting in the experts' queue: those
// AvailableTasks lists (schema.QueuedFor names it again, in SQL), and those the
// platform's queue depth counts (in every subject).
const QueueStatus = question.StatusAWAITING_EXPERT

// FollowedQuestion returns question id, read with the viewer's rights, when the viewer
// may follow its updates: its client, the expert who holds or last held it, and admins.
// An expert who only sees it in the queue may not, nor one who released it. Live
// subscriptions call it again on every change, to end when the viewer no longer may.
// Errors: UNAUTHENTICATED, NOT_FOUND (missing, or not the viewer's to follow).
func (s *Service) FollowedQuestion(ctx context.Context, id uuid.UUID) (*ent.Question, error) {
	p, err := principal(ctx, false)
	if err != nil {
		return nil, errs.Wrap("questions.FollowedQuestion", err)
	}
	q, err := s.db.Client.Question.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, errs.Wrap("questions.FollowedQuestion", notFound())
	}
	if err != nil {
		return nil, errs.Wrap("questions.FollowedQuestion", err)
	}
	if !p.IsAdmin() && q.ClientID != p.UserID && (q.ExpertID == nil || *q.ExpertID != p.UserID) {
		return nil, errs.Wrap("questions.FollowedQuestion", notFound())
	}
	return q, nil
}

// TaskSubjects returns the subjects of the queue the viewer works, for the live queue
// feed: the approved expert's own subjects that the settings offer, in the settings'
// spelling (AvailableTasks applies schema.QueuedFor, which also keeps questions queued
// in a subject the settings dropped since). Approval is read from the database. Errors:
// UNAUTHENTICATED, FORBIDDEN (not an approved expert).
func (s *Service) TaskSubjects(ctx context.Context) ([]string, error) {
	_, u, err := s.expert(ctx, s.db.Client, false, false)
	if err != nil {
		return nil, errs.Wrap("questions.TaskSubjects", err)
	}
	subjects, err := s.queueSubjects(ctx, u)
	return subjects, errs.Wrap("questions.TaskSubjects", err)
}

// queueSubjects maps an expert's subjects to the settings' spelling, which questions
// store; subjects the settings no longer offer are left out.
func (s *Service) queueSubjects(ctx context.Context, u *ent.User) ([]string, error) {
	set, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	subjects := []string{}
	for _, sub := range u.ExpertSubjects {
		if canonical, ok := set.Subject(sub); ok {
			subjects = append(subjects, canonical)
		}
	}
	return subjects, nil
}

// QueueChanges returns the questions of subjects (matched regardless of case) that
// entered or may have left the experts' queue since since: queued are in it now, left
// are past it and were updated since then. At most limit of each, the latest first.
// Live subscriptions read it after the bus may have lost the queue's events. It reads
// past the privacy rules: callers decide who sees it. Errors: INTERNAL.
func (s *Service) QueueChanges(ctx context.Context, subjects []string, since time.Time, limit int) (queued, left []*ent.Question, err error) {
	if len(subjects) == 0 {
		return nil, nil, nil
	}
	lower := make([]any, len(subjects))
	for i, sub := range subjects {
		lower[i] = strings.ToLower(sub)
	}
	inSubjects := func(sel *sql.Selector) { sel.Where(sql.In(sql.Lower(sel.C(question.FieldSubject)), lower...)) }
	changed := func() *ent.QuestionQuery {
		return s.db.Client.Question.Query().Where(inSubjects, question.UpdatedAtGTE(since)).
			Order(ent.Desc(question.FieldUpdatedAt), ent.Desc(question.FieldID)).Limit(limit)
	}
	queued, err = changed().Where(question.StatusEQ(QueueStatus)).All(db.System(ctx))
	if err != nil {
		return nil, nil, errs.Wrap("questions.QueueChanges", err)
	}
	left, err = changed().Where(question.StatusNotIn(append(beforeQueue, QueueStatus)...)).All(db.System(ctx))
	if err != nil {
		return nil, nil, errs.Wrap("questions.QueueChanges", err)
	}
	return queued, left, nil
}

// ApprovedExpert reports whether user id is an active, approved expert, read from the
// database now (the token's role says only EXPERT). Errors: INTERNAL.
func (s *Service) ApprovedExpert(ctx context.Context, id uuid.UUID) (bool, error) {
	_, err := s.approvedExpert(ctx, s.db.Client, id, false)
	if errs.Is(err, errs.Forbidden) {
		return false, nil
	}
	return err == nil, errs.Wrap("questions.ApprovedExpert", err)
}

// StatusCounts counts every question by status in one GROUP BY; statuses without
// questions are absent. It is a platform-wide figure read past the privacy rules:
// callers decide who sees it.
func (s *Service) StatusCounts(ctx context.Context) (map[question.Status]int, error) {
	var rows []struct {
		Status question.Status `json:"status"`
		Count  int             `json:"count"`
	}
	err := s.db.Client.Question.Query().GroupBy(question.FieldStatus).Aggregate(ent.Count()).Scan(db.System(ctx), &rows)
	if err != nil {
		return nil, errs.Wrap("questions.StatusCounts", err)
	}
	out := make(map[question.Status]int, len(rows))
	for _, r := range rows {
		out[r.Status] = r.Count
	}
	return out, nil
}
