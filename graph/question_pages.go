package graph

import (
	"context"
	"slices"

	"entgo.io/contrib/entgql"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/graph/model"
)

// questionOrder is a keyset order of questions: a column, then the id, both one way.
type questionOrder struct {
	column string
	desc   bool
	term   func(...entsql.OrderTermOption) question.OrderOption
	value  func(*ent.Question) any
}

var (
	// earliestDeadlineFirst is the order experts take tasks in.
	earliestDeadlineFirst = questionOrder{question.FieldDeadline, false, question.ByDeadline,
		func(q *ent.Question) any { return q.Deadline }}
	// newestQuestionsFirst is the order clients see their questions in.
	newestQuestionsFirst = questionOrder{question.FieldCreatedAt, true, question.ByCreatedAt,
		func(q *ent.Question) any { return q.CreatedAt }}
)

// pageQuestions pages q in order, with cursors holding the order value and the id, the
// way entgql's Paginate does. It exists because Paginate eager-loads a question's client
// and expert with one query each (and under the users' privacy rules) when they are
// selected, where the dataloader fetches both in one; and because ent generates no
// deadline order. totalCount is counted only when selected.
func pageQuestions(ctx context.Context, q *ent.QuestionQuery, o questionOrder, after *ent.Cursor, first *int, before *ent.Cursor, last *int) (*ent.QuestionConnection, error) {
	conn := &ent.QuestionConnection{Edges: []*ent.QuestionEdge{}}
	if slices.Contains(graphql.CollectAllFields(ctx), "totalCount") {
		n, err := q.Clone().Count(ctx)
		if err != nil {
			return nil, err
		}
		conn.TotalCount = n
	}
	limit, dir := first, entgql.OrderDirectionAsc
	if o.desc {
		dir = entgql.OrderDirectionDesc
	}
	if last != nil {
		limit, dir = last, dir.Reverse() // read backwards, then reverse
	}
	if limit != nil && *limit == 0 {
		return conn, nil
	}
	for _, p := range entgql.CursorsPredicate(after, before, question.FieldID, o.column, dir) {
		q = q.Where(p)
	}
	if limit != nil {
		q = q.Limit(*limit + 1)
	}
	nodes, err := q.Order(o.term(dir.OrderTermOption()), question.ByID(dir.OrderTermOption())).All(ctx)
	if err != nil {
		return nil, err
	}
	more := limit != nil && len(nodes) > *limit
	if more {
		nodes = nodes[:*limit]
	}
	if last != nil {
		slices.Reverse(nodes)
	}
	conn.PageInfo.HasNextPage = (first != nil && more) || before != nil
	conn.PageInfo.HasPreviousPage = (last != nil && more) || after != nil
	for _, n := range nodes {
		conn.Edges = append(conn.Edges, &ent.QuestionEdge{Node: n, Cursor: ent.Cursor{ID: n.ID, Value: o.value(n)}})
	}
	if l := len(conn.Edges); l > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &conn.Edges[0].Cursor, &conn.Edges[l-1].Cursor
	}
	return conn, nil
}

// questionUrgency converts the GraphQL urgency to the question's.
func questionUrgency(u model.Urgency) question.Urgency { return question.Urgency(u) }
