package graph

import (
	"context"
	"slices"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/graph/model"
)

// pageByDeadline pages q earliest deadline first (then by id), the order experts take
// tasks in. ent generates no deadline order for questions, so the keyset pagination is
// done here the way entgql does it: the cursor holds the deadline and the id.
func pageByDeadline(ctx context.Context, q *ent.QuestionQuery, after *ent.Cursor, first *int, before *ent.Cursor, last *int) (*ent.QuestionConnection, error) {
	conn := &ent.QuestionConnection{Edges: []*ent.QuestionEdge{}}
	if slices.Contains(graphql.CollectAllFields(ctx), "totalCount") {
		n, err := q.Clone().Count(ctx)
		if err != nil {
			return nil, err
		}
		conn.TotalCount = n
	}
	limit := first
	dir := entgql.OrderDirectionAsc
	if last != nil {
		limit, dir = last, entgql.OrderDirectionDesc // read backwards, then reverse
	}
	if limit != nil && *limit == 0 {
		return conn, nil
	}
	for _, p := range entgql.CursorsPredicate(after, before, question.FieldID, question.FieldDeadline, dir) {
		q = q.Where(p)
	}
	if limit != nil {
		q = q.Limit(*limit + 1)
	}
	nodes, err := q.Order(question.ByDeadline(dir.OrderTermOption()), question.ByID(dir.OrderTermOption())).All(ctx)
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
		conn.Edges = append(conn.Edges, &ent.QuestionEdge{Node: n, Cursor: ent.Cursor{ID: n.ID, Value: n.Deadline}})
	}
	if l := len(conn.Edges); l > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &conn.Edges[0].Cursor, &conn.Edges[l-1].Cursor
	}
	return conn, nil
}

// questionUrgency converts the GraphQL urgency to the question's.
func questionUrgency(u model.Urgency) question.Urgency { return question.Urgency(u) }
