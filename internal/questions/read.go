package questions

import (
	"context"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/ent/assignment"
	"backbone/ent/question"
	"backbone/ent/schema"
	"backbone/internal/errs"
)

// MyQuestions returns the query of the viewer's own questions, of one status when status
// is set; the caller paginates it (newest first). An admin's are every question: admins
// own none, and look after all (a dispute waits for them). Errors: UNAUTHENTICATED,
// BAD_USER_INPUT (unknown status).
func (s *Service) MyQuestions(ctx context.Context, status *question.Status) (*ent.QuestionQuery, error) {
	p, err := principal(ctx, false)
	if err != nil {
		return nil, errs.Wrap("questions.MyQuestions", err)
	}
	q := s.db.Client.Question.Query()
	if !p.IsAdmin() {
		q.Where(question.ClientID(p.UserID))
	}
	if status != nil {
		if question.StatusValidator(*status) != nil {
			return nil, errs.Wrap("questions.MyQuestions", errs.E(errs.BadUserInput, "unknown status").With("field", "status"))
		}
		q.Where(question.StatusEQ(*status))
	}
	return q, nil
}

// Question returns one question the viewer may read (privacy rules: the client's own,
// an open one or one an expert holds, any for admins). Errors: UNAUTHENTICATED,
// NOT_FOUND (missing or not visible).
func (s *Service) Question(ctx context.Context, id uuid.UUID) (*ent.Question, error) {
	if _, err := principal(ctx, false); err != nil {
		return nil, errs.Wrap("questions.Question", err)
	}
	q, err := s.db.Client.Question.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, errs.Wrap("questions.Question", notFound())
	}
	return q, errs.Wrap("questions.Question", err)
}

// RevisionsFor returns, by question id, the answer revisions the viewer may see, oldest
// first: the read rules decide (ent/schema: to the client only the EXPERT revisions of a
// delivered question, never AI drafts; to the question's expert and to admins every
// kind). Questions without any have no entry. Batched for dataloaders. Errors:
// UNAUTHENTICATED.
func (s *Service) RevisionsFor(ctx context.Context, questionIDs []uuid.UUID) (map[uuid.UUID][]*ent.AnswerRevision, error) {
	if _, err := principal(ctx, false); err != nil {
		return nil, errs.Wrap("questions.RevisionsFor", err)
	}
	out := make(map[uuid.UUID][]*ent.AnswerRevision, len(questionIDs))
	if len(questionIDs) == 0 {
		return out, nil
	}
	revs, err := s.db.Client.AnswerRevision.Query().Where(answerrevision.QuestionIDIn(questionIDs...)).
		Order(ent.Asc(answerrevision.FieldCreatedAt), ent.Asc(answerrevision.FieldID)).All(ctx)
	if err != nil {
		return nil, errs.Wrap("questions.RevisionsFor", err)
	}
	for _, r := range revs {
		out[r.QuestionID] = append(out[r.QuestionID], r)
	}
	return out, nil
}

// AnswersFor returns, by question id, the newest EXPERT revision the viewer may see
// (the same read rules as RevisionsFor, applied by answersSQL): a question's answer
// without reading its AI drafts and older revisions. Questions without one have no
// entry. Batched for dataloaders. Errors: UNAUTHENTICATED.
func (s *Service) AnswersFor(ctx context.Context, questionIDs []uuid.UUID) (map[uuid.UUID]*ent.AnswerRevision, error) {
	p, err := principal(ctx, false)
	if err != nil {
		return nil, errs.Wrap("questions.AnswersFor", err)
	}
	out, err := s.newestAnswers(ctx, answerReader(p), questionIDs)
	return out, errs.Wrap("questions.AnswersFor", err)
}

// AnswersOfRead is AnswersFor over questions already read with their client_id,
// expert_id and delivered_at (a page of them): the read rule is decided on those
// columns (mayReadAnswer), so the answers' read needs no join to the questions, which
// was about a fifth of PostgreSQL's work for a client's page (issue 18). A question
// read without those columns reads as one the viewer holds no part in: its answer is
// left out, never shown to the wrong viewer.
func (s *Service) AnswersOfRead(ctx context.Context, qs []*ent.Question) (map[uuid.UUID]*ent.AnswerRevision, error) {
	p, err := principal(ctx, false)
	if err != nil {
		return nil, errs.Wrap("questions.AnswersOfRead", err)
	}
	ids := make([]uuid.UUID, 0, len(qs))
	for _, q := range qs {
		if mayReadAnswer(p, q) {
			ids = append(ids, q.ID)
		}
	}
	out, err := s.newestAnswers(ctx, nil, ids)
	return out, errs.Wrap("questions.AnswersOfRead", err)
}

// newestAnswers reads the newest EXPERT revision of each question, for reader (nil:
// every question's, the rule already applied).
func (s *Service) newestAnswers(ctx context.Context, reader *uuid.UUID, questionIDs []uuid.UUID) (map[uuid.UUID]*ent.AnswerRevision, error) {
	out := make(map[uuid.UUID]*ent.AnswerRevision, len(questionIDs))
	if len(questionIDs) == 0 {
		return out, nil
	}
	err := s.readAnswers(ctx, reader, questionIDs, func(r *ent.AnswerRevision) {
		out[r.QuestionID] = r // oldest first: the newest stays
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AvailableTasks returns the query of the questions in the expert's queue
// (schema.QueuedFor); the caller paginates it (deadline first). Errors:
// UNAUTHENTICATED, FORBIDDEN (not an approved expert).
func (s *Service) AvailableTasks(ctx context.Context) (*ent.QuestionQuery, error) {
	p, _, err := s.expert(ctx, s.db.Client, false, false)
	if err != nil {
		return nil, errs.Wrap("questions.AvailableTasks", err)
	}
	return s.db.Client.Question.Query().Where(schema.QueuedFor(p.UserID)), nil
}

// MyAssignments returns the query of the expert's claims, only the active ones when
// activeOnly; the caller paginates it. Errors: UNAUTHENTICATED, FORBIDDEN.
func (s *Service) MyAssignments(ctx context.Context, activeOnly bool) (*ent.AssignmentQuery, error) {
	p, _, err := s.expert(ctx, s.db.Client, false, false)
	if err != nil {
		return nil, errs.Wrap("questions.MyAssignments", err)
	}
	q := s.db.Client.Assignment.Query().Where(assignment.ExpertID(p.UserID))
	if activeOnly {
		q.Where(assignment.OutcomeIsNil())
	}
	return q, nil
}
