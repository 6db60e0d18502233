package questions

import (
	"context"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/dispute"
	"backbone/ent/question"
	"backbone/ent/rating"
	"backbone/ent/revisionrequest"
	"backbone/internal/errs"
	"backbone/internal/textx"
	"backbone/internal/viewer"
)

// Reads for insight into the marketplace: ratings, disputes, revision requests and the
// admins' question list. The read rules (ent/schema) filter every row by the viewer too.

// unanswered are the states in which a question waits for an answer: past its deadline
// in one of them, it is overdue.
var unanswered = []question.Status{
	question.StatusSUBMITTED, question.StatusDRAFTING, question.StatusREWRITING, question.StatusCHECKING,
	question.StatusAWAITING_EXPERT, question.StatusCLAIMED, question.StatusREVISION_REQUESTED,
}

// adminReader returns the caller when it is an admin; unlike admin, a read-only API key
// will do.
func adminReader(ctx context.Context) (viewer.Principal, error) {
	p, err := principal(ctx, false)
	if err == nil && !p.IsAdmin() {
		err = errs.E(errs.Forbidden, "admins only")
	}
	return p, err
}

// expertOrAdmin resolves whose figures the caller asks for: an expert their own
// (expertID nil or theirs; another's is FORBIDDEN), an admin expertID's (nil when
// the admin asks about every expert). Other roles are FORBIDDEN.
func expertOrAdmin(ctx context.Context, expertID *uuid.UUID) (*uuid.UUID, error) {
	p, err := principal(ctx, false)
	switch {
	case err != nil:
		return nil, err
	case p.IsAdmin():
		return expertID, nil
	case p.Role != viewer.RoleExpert:
		return nil, errs.E(errs.Forbidden, "experts and admins only")
	case expertID != nil && *expertID != p.UserID:
		return nil, errs.E(errs.Forbidden, "you may only see your own figures").With("field", "expertId")
	}
	return &p.UserID, nil
}

// Ratings returns the query of the ratings an expert received (expertID: nil or their
// own) or, for an admin, of expertID or of every expert; the caller paginates it.
// Errors: UNAUTHENTICATED, FORBIDDEN.
func (s *Service) Ratings(ctx context.Context, expertID *uuid.UUID) (*ent.RatingQuery, error) {
	who, err := expertOrAdmin(ctx, expertID)
	if err != nil {
		return nil, errs.Wrap("questions.Ratings", err)
	}
	q := s.db.Client.Rating.Query()
	if who != nil {
		q.Where(rating.ExpertID(*who))
	}
	return q, nil
}

// Disputes returns the query of every dispute, of one status when status is set; the
// caller paginates it. Errors: UNAUTHENTICATED, FORBIDDEN (not an admin),
// BAD_USER_INPUT (unknown status).
func (s *Service) Disputes(ctx context.Context, status *dispute.Status) (*ent.DisputeQuery, error) {
	if _, err := adminReader(ctx); err != nil {
		return nil, errs.Wrap("questions.Disputes", err)
	}
	q := s.db.Client.Dispute.Query()
	if status != nil {
		if dispute.StatusValidator(*status) != nil {
			return nil, errs.Wrap("questions.Disputes", errs.E(errs.BadUserInput, "unknown status").With("field", "status"))
		}
		q.Where(dispute.StatusEQ(*status))
	}
	return q, nil
}

// QuestionFilter narrows the admins' question list; every set field must match.
type QuestionFilter struct {
	Status             *question.Status
	Subject            *string // any case
	ClientID, ExpertID *uuid.UUID
	// Overdue: true keeps the questions past their deadline still waiting for an
	// answer (unanswered), false every other.
	Overdue                *bool
	CreatedFrom, CreatedTo *time.Time
	// Text is part of the title or body, any case.
	Text *string
}

// maxFilterText bounds a text filter.
const maxFilterText = 200

// AllQuestions returns the query of every question that f matches; the caller
// paginates it. Errors: UNAUTHENTICATED, FORBIDDEN (not an admin), BAD_USER_INPUT.
func (s *Service) AllQuestions(ctx context.Context, f QuestionFilter) (*ent.QuestionQuery, error) {
	if _, err := adminReader(ctx); err != nil {
		return nil, errs.Wrap("questions.AllQuestions", err)
	}
	q := s.db.Client.Question.Query()
	if f.Status != nil {
		if question.StatusValidator(*f.Status) != nil {
			return nil, errs.Wrap("questions.AllQuestions", errs.E(errs.BadUserInput, "unknown status").With("field", "status"))
		}
		q.Where(question.StatusEQ(*f.Status))
	}
	if f.Subject != nil {
		// Plain refuses what PostgreSQL would fail on (a NUL) as the user's mistake.
		subject, err := textx.Plain("subject", *f.Subject, maxFilterText, false)
		if err != nil {
			return nil, errs.Wrap("questions.AllQuestions", err)
		}
		q.Where(question.SubjectEqualFold(subject))
	}
	if f.ClientID != nil {
		q.Where(question.ClientID(*f.ClientID))
	}
	if f.ExpertID != nil {
		q.Where(question.ExpertID(*f.ExpertID))
	}
	if f.Overdue != nil {
		overdue := question.And(question.DeadlineLT(s.now()), question.StatusIn(unanswered...))
		if *f.Overdue {
			q.Where(overdue)
		} else {
			q.Where(question.Not(overdue))
		}
	}
	if f.CreatedFrom != nil && f.CreatedTo != nil && !f.CreatedFrom.Before(*f.CreatedTo) {
		return nil, errs.Wrap("questions.AllQuestions", errs.E(errs.BadUserInput, "createdFrom must be before createdTo").With("field", "createdFrom"))
	}
	if f.CreatedFrom != nil {
		q.Where(question.CreatedAtGTE(*f.CreatedFrom))
	}
	if f.CreatedTo != nil {
		q.Where(question.CreatedAtLT(*f.CreatedTo))
	}
	if f.Text != nil {
		text, err := textx.Plain("text", *f.Text, maxFilterText, false)
		if err != nil {
			return nil, errs.Wrap("questions.AllQuestions", err)
		}
		if text != "" {
			q.Where(question.Or(question.TitleContainsFold(text), question.BodyContainsFold(text)))
		}
	}
	return q, nil
}

// RevisionRequestsFor returns, by question id, the revision requests the viewer may
// read (the question's client, the expert asked, admins), oldest first. Batched for
// dataloaders. Errors: UNAUTHENTICATED.
func (s *Service) RevisionRequestsFor(ctx context.Context, questionIDs []uuid.UUID) (map[uuid.UUID][]*ent.RevisionRequest, error) {
	if _, err := principal(ctx, false); err != nil {
		return nil, errs.Wrap("questions.RevisionRequestsFor", err)
	}
	rows, err := s.db.Client.RevisionRequest.Query().Where(revisionrequest.QuestionIDIn(questionIDs...)).
		Order(ent.Asc(revisionrequest.FieldCreatedAt), ent.Asc(revisionrequest.FieldID)).All(ctx)
	if err != nil {
		return nil, errs.Wrap("questions.RevisionRequestsFor", err)
	}
	out := make(map[uuid.UUID][]*ent.RevisionRequest, len(questionIDs))
	for _, r := range rows {
		out[r.QuestionID] = append(out[r.QuestionID], r)
	}
	return out, nil
}

// DisputesFor returns, by question id, the disputes the viewer may read (the question's
// client, its expert, admins). Batched for dataloaders. Errors: UNAUTHENTICATED.
func (s *Service) DisputesFor(ctx context.Context, questionIDs []uuid.UUID) (map[uuid.UUID]*ent.Dispute, error) {
	if _, err := principal(ctx, false); err != nil {
		return nil, errs.Wrap("questions.DisputesFor", err)
	}
	rows, err := s.db.Client.Dispute.Query().Where(dispute.QuestionIDIn(questionIDs...)).All(ctx)
	if err != nil {
		return nil, errs.Wrap("questions.DisputesFor", err)
	}
	out := make(map[uuid.UUID]*ent.Dispute, len(rows))
	for _, d := range rows {
		out[d.QuestionID] = d
	}
	return out, nil
}

// Party reports whether the viewer is q's client, the expert who holds or held it, or
// an admin: those who may read its revision requests and dispute.
func Party(ctx context.Context, q *ent.Question) bool {
	p, ok := viewer.From(ctx)
	if !ok {
		return false
	}
	return p.IsAdmin() || p.UserID == q.ClientID || (q.ExpertID != nil && *q.ExpertID == p.UserID)
}
