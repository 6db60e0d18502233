package graph

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"backbone/ent"
)

// primeQuestionPage reads, in one query per kind and before any field resolves, the
// users and revisions (or only the answers) a page of questions will ask the loaders
// for, and primes the loaders with them, so that the count of statements is fixed (the loaders' time window
// would batch them too, but only as long as the resolvers run within it: on a loaded
// machine a page could take a second batch). The reads go to the database directly:
// through the loaders each would first sleep out their batch window (16 ms), one after
// the other. A read that fails primes nothing; the fields then load through the loaders
// and report the error.
func (r *Resolver) primeQuestionPage(ctx context.Context, conn *ent.QuestionConnection) {
	if conn == nil || len(conn.Edges) == 0 {
		return
	}
	fields := nodeFields(ctx)
	l := r.loaders(ctx)
	var reads []func()
	if fields["client"] || fields["expert"] {
		// Each user once: a client's page names the same client on every row.
		seen := make(map[uuid.UUID]bool, 2*len(conn.Edges))
		users := make([]uuid.UUID, 0, 2*len(conn.Edges))
		add := func(id uuid.UUID) {
			if !seen[id] {
				seen[id] = true
				users = append(users, id)
			}
		}
		// Only the selected edge's column was read (the field collection).
		for _, e := range conn.Edges {
			if fields["client"] {
				add(e.Node.ClientID)
			}
			if fields["expert"] && e.Node.ExpertID != nil {
				add(*e.Node.ExpertID)
			}
		}
		reads = append(reads, func() {
			users, err := l.readUsers(ctx, users)
			if err != nil {
				return
			}
			for id, u := range users {
				l.users.Prime(id, u)
			}
			l.primed.add(&l.primed.users, slices.Collect(maps.Keys(users)))
		})
	}
	ids := make([]uuid.UUID, 0, len(conn.Edges))
	if fields["revisions"] || fields["answer"] {
		for _, e := range conn.Edges {
			ids = append(ids, e.Node.ID)
		}
	}
	switch {
	case fields["revisions"]: // every revision; the answers come with them
		reads = append(reads, func() {
			revs, err := l.readRevisions(ctx, ids)
			if err != nil {
				return
			}
			for _, id := range ids {
				l.revisions.Prime(id, revs[id]) // nil: a question without revisions
				l.answers.Prime(id, newestExpert(revs[id]))
			}
			l.primed.add(&l.primed.answers, ids)
		})
	case fields["answer"]: // only the answers
		read := func() (map[uuid.UUID]*ent.AnswerRevision, error) { return l.readAnswers(ctx, ids) }
		if l.readAnswersOf != nil && fields["client"] && fields["expert"] {
			// Paginate read the columns of the fields selected on edges.node, under every
			// alias (ent's connection_fields.tmpl merges them as nodeFields does): here
			// client_id, expert_id and delivered_at (answer's column), on which the answers'
			// read rule is decided, without a join.
			read = func() (map[uuid.UUID]*ent.AnswerRevision, error) {
				qs := make([]*ent.Question, len(conn.Edges))
				for i, e := range conn.Edges {
					qs[i] = e.Node
				}
				return l.readAnswersOf(ctx, qs)
			}
		}
		reads = append(reads, func() {
			answers, err := read()
			if err != nil {
				return
			}
			for _, id := range ids {
				l.answers.Prime(id, answers[id]) // nil: a question without an answer
			}
			l.primed.add(&l.primed.answers, ids)
		})
	}
	// One after the other, on this goroutine. Side by side, one read on a goroutine of
	// its own grew a new stack to ent's depth and two connections were busy for the page:
	// 4-6% more CPU per page under load, to save one round trip's wait (issue 18).
	for _, read := range reads {
		read()
	}
}

// nodeFields lists the fields selected on edges.node of the connection field in ctx,
// fragments and every alias of edges and node included.
func nodeFields(ctx context.Context) map[string]bool {
	out := map[string]bool{}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return out
	}
	op := graphql.GetOperationContext(ctx)
	for _, edges := range graphql.CollectFields(op, fc.Field.Selections, nil) {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(op, edges.Selections, nil) {
			if node.Name != "node" {
				continue
			}
			for _, f := range graphql.CollectFields(op, node.Selections, nil) {
				out[f.Name] = true
			}
		}
	}
	return out
}

// questionPage pages q with ent's Paginate, as every connection, and primes the loaders
// for the page. The schema leaves the client and expert edges unbound (entgql.Unbind), so
// Paginate does not eager-load them one query each: the priming reads both in one.
func (r *Resolver) questionPage(ctx context.Context, q *ent.QuestionQuery, order ent.QuestionPaginateOption, after *ent.Cursor, first *int, before *ent.Cursor, last *int) (*ent.QuestionConnection, error) {
	conn, err := q.Paginate(ctx, after, first, before, last, order)
	if err != nil {
		return nil, err
	}
	r.primeQuestionPage(ctx, conn)
	return conn, nil
}

// primedKeys remembers which keys of the users and answers loaders a page primed. A
// primed key stays in its loader's cache (nothing clears it during an operation), so a
// Load of it returns at once what the resolvers would get.
type primedKeys struct {
	mu             sync.Mutex
	users, answers map[uuid.UUID]struct{}
}

func (p *primedKeys) add(set *map[uuid.UUID]struct{}, ids []uuid.UUID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if *set == nil {
		*set = make(map[uuid.UUID]struct{}, len(ids))
	}
	for _, id := range ids {
		(*set)[id] = struct{}{}
	}
}

// has reports whether id is in set.
func (p *primedKeys) has(set *map[uuid.UUID]struct{}, id uuid.UUID) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := (*set)[id]
	return ok
}
