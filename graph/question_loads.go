package graph

import (
	"context"
	"sync"

	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"backbone/ent"
	"backbone/internal/questions"
)

// queuedLoads remembers the questions whose loader reads queueQuestionLoads has asked
// for, by question and by the field that gave the question (one selection each).
type queuedLoads struct {
	mu   sync.Mutex
	seen map[queuedKey]struct{}
}

type queuedKey struct {
	question uuid.UUID
	field    *ast.Field
}

// first reports whether k is new, and remembers it.
func (q *queuedLoads) first(k queuedKey) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.seen[k]; ok {
		return false
	}
	if q.seen == nil {
		q.seen = map[queuedKey]struct{}{}
	}
	q.seen[k] = struct{}{}
	return true
}

// questionLoaders returns the loaders of ctx, having first asked them, without waiting,
// for every loader read the fields selected on q will make, once per question and
// selection. A Question's fields resolve one after the other (cmd/gqlgen's
// sequentialObjects): without this each field reading a loader would wait out its own
// batch window (16 ms) before the next field asks. Asked together they share one batch,
// as they did when gqlgen ran each on a goroutine of its own. On a page whose loaders are
// primed (primeQuestionPage) the asks find their values cached.
//
// Every Question field that reads a loader calls it, and asks as that field would: the
// same loader, key and guard.
func (r *Resolver) questionLoaders(ctx context.Context, q *ent.Question) *Loaders {
	l := r.loaders(ctx)
	parent := parentField(ctx)
	if parent == nil || !l.queued.first(queuedKey{q.ID, parent.Field}) {
		return l
	}
	var selected struct{ client, expert, answer, revisions, pipeline, revisionRequests, dispute bool }
	for _, f := range collectSiblings(ctx, parent) {
		switch f.Name {
		case "client":
			selected.client = true
		case "expert":
			selected.expert = true
		case "answer":
			selected.answer = true
		case "revisions":
			selected.revisions = true
		case "pipeline":
			selected.pipeline = true
		case "revisionRequests":
			selected.revisionRequests = true
		case "dispute":
			selected.dispute = true
		}
	}
	if selected.client {
		l.users.LoadThunk(ctx, q.ClientID)
	}
	if selected.expert && q.ExpertID != nil {
		l.users.LoadThunk(ctx, *q.ExpertID)
	}
	switch { // as deliveredAnswer reads the answer
	case selected.revisions:
		l.revisions.LoadThunk(ctx, q.ID)
	case selected.answer:
		l.answers.LoadThunk(ctx, q.ID)
	}
	if selected.pipeline {
		l.pipelines.LoadThunk(ctx, q.ID)
	}
	if (selected.revisionRequests || selected.dispute) && questions.Party(ctx, q) {
		if selected.revisionRequests {
			l.revisionRequests.LoadThunk(ctx, q.ID)
		}
		if selected.dispute {
			l.disputes.LoadThunk(ctx, q.ID)
		}
	}
	return l
}
