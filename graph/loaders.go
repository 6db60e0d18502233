package graph

import (
	"context"
	"errors"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"backbone/ent"
	"backbone/ent/payout"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/questions"
)

// RevisionsFunc returns the answer revisions the viewer in ctx may see, by question id
// (oldest first); questions without any may be missing from the map.
type RevisionsFunc func(ctx context.Context, questionIDs []uuid.UUID) (map[uuid.UUID][]*ent.AnswerRevision, error)

// AnswersFunc returns the newest EXPERT revision the viewer in ctx may see, by question
// id; questions without one may be missing from the map.
type AnswersFunc func(ctx context.Context, questionIDs []uuid.UUID) (map[uuid.UUID]*ent.AnswerRevision, error)

// AnswersOfReadFunc is an AnswersFunc over questions already read with their client_id,
// expert_id and delivered_at, whose read rule it decides on those columns.
type AnswersOfReadFunc func(ctx context.Context, qs []*ent.Question) (map[uuid.UUID]*ent.AnswerRevision, error)

// PipelinesFunc returns the AI pipelines the viewer in ctx may see, by question id.
type PipelinesFunc func(ctx context.Context, questionIDs []uuid.UUID) (map[uuid.UUID]questions.PipelineView, error)

// RevisionRequestsFunc returns the revision requests the viewer in ctx may see, by
// question id (oldest first).
type RevisionRequestsFunc func(ctx context.Context, questionIDs []uuid.UUID) (map[uuid.UUID][]*ent.RevisionRequest, error)

// DisputesFunc returns the disputes the viewer in ctx may see, by question id.
type DisputesFunc func(ctx context.Context, questionIDs []uuid.UUID) (map[uuid.UUID]*ent.Dispute, error)

// UsersFunc returns users by id, past the read rules (see NewLoaders); missing ids may
// be missing from the map.
type UsersFunc func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*ent.User, error)

// Sources are the services' batch reads behind the loaders that decide visibility, and
// the users' read (ent's when nil).
type Sources struct {
	Users            UsersFunc
	Revisions        RevisionsFunc
	Answers          AnswersFunc
	AnswersOfRead    AnswersOfReadFunc
	Pipelines        PipelinesFunc
	RevisionRequests RevisionRequestsFunc
	Disputes         DisputesFunc
}

// Loaders batch the lookups of one request: every user, question or revision list asked
// for while a response is built is fetched in one query per kind.
type Loaders struct {
	users     *dataloadgen.Loader[uuid.UUID, *ent.User]
	questions *dataloadgen.Loader[uuid.UUID, *ent.Question]
	revisions *dataloadgen.Loader[uuid.UUID, []*ent.AnswerRevision]
	// A question's answer (its newest EXPERT revision), read apart from its revisions:
	// a page of questions with their answers reads one row per question, not every draft.
	answers   *dataloadgen.Loader[uuid.UUID, *ent.AnswerRevision]
	pipelines *dataloadgen.Loader[uuid.UUID, questions.PipelineView]
	// A question's revision requests and dispute, by question id.
	revisionRequests *dataloadgen.Loader[uuid.UUID, []*ent.RevisionRequest]
	disputes         *dataloadgen.Loader[uuid.UUID, *ent.Dispute]
	// Read with the viewer's rights: a notification or an assignment names a question
	// (or payout) by id, and the viewer may no longer see it (an expert who released it).
	visibleQuestions *dataloadgen.Loader[uuid.UUID, *ent.Question]
	visiblePayouts   *dataloadgen.Loader[uuid.UUID, *ent.Payout]
	// The batch reads behind users, revisions and answers, for priming a page without
	// the loaders' batch window (primeQuestionPage).
	readUsers     UsersFunc
	readRevisions RevisionsFunc
	readAnswers   AnswersFunc
	readAnswersOf AnswersOfReadFunc
	// The questions whose selected loader reads have been asked for (questionLoaders).
	queued queuedLoads
	// The keys primeQuestionPage put in users and answers: a page encoder reads only
	// those (a Load of any other key would start a batch and wait out its window).
	primed primedKeys
}

// NewLoaders returns fresh loaders over client and the sources; they cache for their
// lifetime, so make one set per request.
//
// Users and questions are read past the privacy rules: they are only reached through an
// object the viewer was already allowed to read (a question's client and expert, a
// revision's author and question). An assignment's question is not: an assignment
// outlives its expert's right to the question. Revisions and pipelines are the
// service's decision.
func NewLoaders(client *ent.Client, src Sources) *Loaders {
	readUsers := src.Users
	if readUsers == nil {
		readUsers = func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*ent.User, error) {
			rows, err := client.User.Query().Where(user.IDIn(ids...)).All(db.System(ctx))
			return byID(rows, func(u *ent.User) uuid.UUID { return u.ID }), err
		}
	}
	return &Loaders{
		readUsers:     readUsers,
		readRevisions: src.Revisions,
		readAnswers:   src.Answers,
		readAnswersOf: src.AnswersOfRead,
		users:         dataloadgen.NewMappedLoader(readUsers),
		questions: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*ent.Question, error) {
			rows, err := client.Question.Query().Where(question.IDIn(ids...)).All(db.System(ctx))
			return byID(rows, func(q *ent.Question) uuid.UUID { return q.ID }), err
		}),
		visibleQuestions: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*ent.Question, error) {
			rows, err := client.Question.Query().Where(question.IDIn(ids...)).All(ctx)
			return byID(rows, func(q *ent.Question) uuid.UUID { return q.ID }), err
		}),
		visiblePayouts: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*ent.Payout, error) {
			rows, err := client.Payout.Query().Where(payout.IDIn(ids...)).All(ctx)
			return byID(rows, func(p *ent.Payout) uuid.UUID { return p.ID }), err
		}),
		revisions:        dataloadgen.NewLoader(inOrder(src.Revisions)),
		answers:          dataloadgen.NewLoader(inOrder(src.Answers)),
		pipelines:        dataloadgen.NewLoader(inOrder(src.Pipelines)),
		revisionRequests: dataloadgen.NewLoader(inOrder(src.RevisionRequests)),
		disputes:         dataloadgen.NewLoader(inOrder(src.Disputes)),
	}
}

// inOrder adapts a batch read by id to a loader's fetch: one value per id, the zero
// value where the map has none.
func inOrder[V any](read func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]V, error)) func(ctx context.Context, ids []uuid.UUID) ([]V, []error) {
	return func(ctx context.Context, ids []uuid.UUID) ([]V, []error) {
		m, err := read(ctx, ids)
		out := make([]V, len(ids))
		for i, id := range ids {
			out[i] = m[id]
		}
		if err != nil {
			return out, []error{err}
		}
		return out, nil
	}
}

// hiddenIsNull turns a row the viewer may not see (or that is gone) into null.
func hiddenIsNull[T any](v *T, err error) (*T, error) {
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// visibleQuestion is question id as question(id:) shows it to the viewer; nil when they
// may not see it.
func (r *Resolver) visibleQuestion(ctx context.Context, id uuid.UUID) (*ent.Question, error) {
	return hiddenIsNull(r.loaders(ctx).visibleQuestions.Load(ctx, id))
}

// eagerHiddenIsNull is hiddenIsNull for an edge that ent may have eager-loaded with a
// page (entgql's field collection), under the same read rule as the visible loaders: the
// edge, nil where the rule hid it, and loaded false when it was not loaded, so that the
// caller reads it through its loader instead of reading it a second time.
func eagerHiddenIsNull[T any](v *T, err error) (*T, bool) {
	switch {
	case err == nil:
		return v, true
	case ent.IsNotFound(err):
		return nil, true
	}
	return nil, false
}

func byID[T any](rows []T, id func(T) uuid.UUID) map[uuid.UUID]T {
	m := make(map[uuid.UUID]T, len(rows))
	for _, r := range rows {
		m[id(r)] = r
	}
	return m
}

type loadersKey struct{}

// loaderSlot holds a request's loaders, made on first use: most operations (a
// { __typename }, a mutation, a single read by id) never load anything in a batch.
type loaderSlot struct {
	once   sync.Once
	make   func() *Loaders
	values *Loaders
}

func (s *loaderSlot) get() *Loaders {
	s.once.Do(func() { s.values = s.make() })
	return s.values
}

// WithLoaders returns ctx carrying l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, &loaderSlot{make: func() *Loaders { return l }})
}

// withLazyLoaders returns ctx carrying the loaders newLoaders makes, on first use.
func withLazyLoaders(ctx context.Context, newLoaders func() *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, &loaderSlot{make: newLoaders})
}

// operationLoaders gives each operation loaders of its own (made when it first needs
// one), over HTTP and websockets alike: a connection-wide cache would serve stale rows. A subscription gets fresh loaders for every response it sends: it
// lives long, and may be shared by many subscribers, so a row cached while building one
// event must not be served again in a later one. The operation also gets its store of
// merged connection selections (ent.WithConnectionSelections, for a connection's edges or
// node under several aliases), which must last as long as gqlgen's field collection cache:
// the whole operation, a subscription's every response included.
func operationLoaders(client *ent.Client, src Sources) graphql.OperationMiddleware {
	newLoaders := func() *Loaders { return NewLoaders(client, src) }
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		ctx = ent.WithConnectionSelections(ctx)
		if op := graphql.GetOperationContext(ctx); op != nil && op.Operation != nil && op.Operation.Operation == ast.Subscription {
			responses := next(withLazyLoaders(ctx, newLoaders))
			return func(ctx context.Context) *graphql.Response {
				return responses(withLazyLoaders(ctx, newLoaders))
			}
		}
		if _, ok := ctx.Value(loadersKey{}).(*loaderSlot); !ok {
			ctx = withLazyLoaders(ctx, newLoaders)
		}
		return next(ctx)
	}
}

// loaders returns the loaders of ctx; an operation always has them (operationLoaders).
func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if s, ok := ctx.Value(loadersKey{}).(*loaderSlot); ok {
		return s.get()
	}
	return NewLoaders(r.Client, r.sources())
}
