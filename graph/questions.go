package graph

import (
	"context"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/ent/question"
	"backbone/graph/model"
	"backbone/internal/errs"
	"backbone/internal/questions"
)

// The orders of the question connections (ties broken by id, the same way).
var (
	// newestAssignmentsFirst orders an expert's claims.
	newestAssignmentsFirst = ent.WithAssignmentOrder(&ent.AssignmentOrder{
		Direction: entgql.OrderDirectionDesc, Field: ent.AssignmentOrderFieldCreatedAt,
	})
	// earliestDeadlineFirst is the order experts take tasks in.
	earliestDeadlineFirst = ent.WithQuestionOrder(&ent.QuestionOrder{
		Direction: entgql.OrderDirectionAsc, Field: ent.QuestionOrderFieldDeadline,
	})
	// newestQuestionsFirst is the order clients see their questions in.
	newestQuestionsFirst = ent.WithQuestionOrder(&ent.QuestionOrder{
		Direction: entgql.OrderDirectionDesc, Field: ent.QuestionOrderFieldCreatedAt,
	})
)

// sources are the loaders' batch reads: what the questions service lets the viewer see,
// and the users it reads for them.
func (r *Resolver) sources() Sources {
	src := Sources{Revisions: r.Lifecycle.RevisionsFor, Answers: r.Lifecycle.AnswersFor, AnswersOfRead: r.Lifecycle.AnswersOfRead, Pipelines: r.Lifecycle.PipelinesFor,
		RevisionRequests: r.Lifecycle.RevisionRequestsFor, Disputes: r.Lifecycle.DisputesFor}
	if r.Lifecycle != nil { // without the service (some tests), ent reads the users
		src.Users = r.Lifecycle.UsersByID
	}
	return src
}

// submitInput converts the submitQuestion input to the service's.
func submitInput(in model.SubmitQuestionInput) questions.SubmitInput {
	return questions.SubmitInput{
		Subject: in.Subject, Title: in.Title, Body: in.Body,
		Urgency: questionUrgency(in.Urgency), IdempotencyKey: in.IdempotencyKey,
	}
}

// questionUrgency converts the GraphQL urgency to the question's.
func questionUrgency(u model.Urgency) question.Urgency { return question.Urgency(u) }

// questionID decodes the global id of a Question.
func questionID(gid string) (uuid.UUID, error) { return idOf("id", "Question", gid) }

// optionalUserID decodes the global id of a User given as field, or nil.
func optionalUserID(field string, gid *string) (*uuid.UUID, error) {
	return optionalID(field, "User", gid)
}

// basedOnID decodes submitAnswer's basedOn: an id of another type is not a revision of
// the question, as one of another question is not (the service's answer).
func basedOnID(gid *string) (*uuid.UUID, error) {
	id, err := optionalID("basedOn", "AnswerRevision", gid)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, questions.ErrNotItsRevision()
	}
	return id, err
}

// optionalID decodes the global id of a typ given as field, or nil.
func optionalID(field, typ string, gid *string) (*uuid.UUID, error) {
	if gid == nil {
		return nil, nil
	}
	id, err := idOf(field, typ, *gid)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// userOrNil loads the user id names, or nil when id is nil.
func (r *Resolver) userOrNil(ctx context.Context, id *uuid.UUID) (*ent.User, error) {
	if id == nil {
		return nil, nil
	}
	return r.loaders(ctx).users.Load(ctx, *id)
}

// deliveredAnswer is the newest expert revision among those the viewer may see: for a
// client, the answer as last delivered.
// When the question's revisions are selected beside it, the answer is taken from them:
// one read, not two.
func (r *Resolver) deliveredAnswer(ctx context.Context, questionID uuid.UUID) (*ent.AnswerRevision, error) {
	if siblingSelected(ctx, "revisions") {
		revs, err := r.loaders(ctx).revisions.Load(ctx, questionID)
		return newestExpert(revs), err
	}
	return r.loaders(ctx).answers.Load(ctx, questionID)
}

// siblingSelected reports whether the object whose field resolves in ctx has the field
// name selected too (fragments included).
func siblingSelected(ctx context.Context, name string) bool {
	parent := parentField(ctx)
	if parent == nil {
		return false
	}
	for _, f := range collectSiblings(ctx, parent) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// parentField is the field that gave the object whose field resolves in ctx; nil
// outside a field.
func parentField(ctx context.Context) *graphql.CollectedField {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return nil
	}
	parent := fc.Parent
	for parent != nil && parent.Field.Field == nil { // a list element's context
		parent = parent.Parent
	}
	if parent == nil {
		return nil
	}
	return &parent.Field
}

// collectSiblings lists the fields parent selects on the object whose field resolves in
// ctx, fragments included.
func collectSiblings(ctx context.Context, parent *graphql.CollectedField) []graphql.CollectedField {
	return graphql.CollectFields(graphql.GetOperationContext(ctx), parent.Selections, []string{graphql.GetFieldContext(ctx).Object, "Node"})
}

// newestExpert is the newest EXPERT revision of revs (oldest first), or nil: what
// AnswersFor returns for a question, from its revisions.
func newestExpert(revs []*ent.AnswerRevision) *ent.AnswerRevision {
	for i := len(revs) - 1; i >= 0; i-- {
		if revs[i].Kind == answerrevision.KindEXPERT {
			return revs[i]
		}
	}
	return nil
}

// nonNilRevisions turns a missing list into an empty one (the field is non-null).
func nonNilRevisions(revs []*ent.AnswerRevision, err error) ([]*ent.AnswerRevision, error) {
	if revs == nil && err == nil {
		revs = []*ent.AnswerRevision{}
	}
	return revs, err
}
