package graph

import (
	"context"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/graph/cursor"
	"backbone/internal/markdown"
)

// questionPageRoots are the Query fields answering a QuestionConnection.
var questionPageRoots = map[string]bool{"myQuestions": true, "questions": true, "availableTasks": true}

// encodedPage is a question page written by encodeQuestionPage: gqlgen writes it as the
// field's value (a resolver middleware may return a Marshaler).
type encodedPage []byte

func (p encodedPage) MarshalGQL(w io.Writer) { _, _ = w.Write(p) }

// encodeQuestionPages is a field middleware for the questionPageRoots: the directives and
// the resolver run as always (priming included), then, when every field selected under
// the connection is one encodeQuestionPage knows and the values it needs were primed, the
// page is written straight from the selection set instead of by gqlgen's per-field
// execution (a field context, middleware call and marshaller per field: ~100 fields a
// row). Anything else is left to gqlgen, errors included (issue 18).
func encodeQuestionPages(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Query" || !questionPageRoots[fc.Field.Name] {
		return next(ctx)
	}
	res, err := next(ctx)
	conn, ok := res.(*ent.QuestionConnection)
	if err != nil || !ok || conn == nil {
		return res, err
	}
	if out, ok := encodeQuestionPage(ctx, fc.Field, conn); ok {
		return out, nil
	}
	return res, err
}

// pageField is one selected field (its alias and name) and, for an object, its own.
type pageField struct {
	alias, name string
	sub         []pageField
}

// pageKind is the type whose fields a selection set selects.
type pageKind int

const (
	kindConnection pageKind = iota
	kindEdge
	kindPageInfo
	kindQuestion
	kindUser
	kindAnswer
)

// pageKinds lists, per kind, its implementors (as the generated code collects them) and
// the fields the encoder writes: plain reads, and client, expert and answer as their
// resolvers read them. A field missing here (User.email, anything a resolver checks,
// anything added later) leaves the page to gqlgen. Object fields map to their kind.
var pageKinds = map[pageKind]struct {
	implementors []string
	fields       map[string]pageKind // -1: a leaf
}{
	kindConnection: {questionConnectionImplementors, map[string]pageKind{"__typename": -1, "edges": kindEdge, "pageInfo": kindPageInfo, "totalCount": -1}},
	kindEdge:       {questionEdgeImplementors, map[string]pageKind{"__typename": -1, "node": kindQuestion, "cursor": -1}},
	kindPageInfo:   {pageInfoImplementors, map[string]pageKind{"__typename": -1, "hasNextPage": -1, "hasPreviousPage": -1, "startCursor": -1, "endCursor": -1}},
	kindQuestion: {questionImplementors, map[string]pageKind{"__typename": -1, "id": -1, "subject": -1, "title": -1, "body": -1, "bodyHtml": -1,
		"urgency": -1, "deadline": -1, "price": -1, "status": -1, "revisionCount": -1, "createdAt": -1, "aiAssisted": -1, "autoAcceptAt": -1,
		"client": kindUser, "expert": kindUser, "answer": kindAnswer}},
	kindUser:   {userImplementors, map[string]pageKind{"__typename": -1, "id": -1, "displayName": -1, "role": -1}},
	kindAnswer: {answerRevisionImplementors, map[string]pageKind{"__typename": -1, "id": -1, "kind": -1, "body": -1, "bodyHtml": -1, "createdAt": -1}},
}

// collectPage lists the fields sel selects on kind with gqlgen's CollectFields
// (fragments, @skip, @include), each alias once as gqlgen writes it; ok is false for a
// field the encoder does not know, or @defer.
func collectPage(oc *graphql.OperationContext, sel ast.SelectionSet, kind pageKind) ([]pageField, bool) {
	k := pageKinds[kind]
	fields := graphql.CollectFields(oc, sel, k.implementors)
	out := make([]pageField, 0, len(fields))
	for _, f := range fields {
		sub, known := k.fields[f.Name]
		if !known || len(f.Deferrables) > 0 {
			return nil, false
		}
		if containsAlias(out, f.Alias) {
			continue
		}
		pf := pageField{alias: f.Alias, name: f.Name}
		if sub >= 0 {
			var ok bool
			if pf.sub, ok = collectPage(oc, f.Selections, sub); !ok {
				return nil, false
			}
		}
		out = append(out, pf)
	}
	return out, true
}

func containsAlias(fields []pageField, alias string) bool {
	for _, f := range fields {
		if f.alias == alias {
			return true
		}
	}
	return false
}

// encodeQuestionPage writes conn as gqlgen would for field; ok is false when the output
// might differ (see encodeQuestionPages).
func encodeQuestionPage(ctx context.Context, field graphql.CollectedField, conn *ent.QuestionConnection) (encodedPage, bool) {
	fields, ok := collectPage(graphql.GetOperationContext(ctx), field.Selections, kindConnection)
	if !ok {
		return nil, false
	}
	e := pageEncoder{ctx: ctx, l: loadersIn(ctx)}
	if e.l == nil {
		return nil, false
	}
	e.b = make([]byte, 0, 256+len(conn.Edges)*512)
	if !e.connection(fields, conn) {
		return nil, false
	}
	return e.b, true
}

// loadersIn returns the operation's loaders; nil outside an operation that has them.
func loadersIn(ctx context.Context) *Loaders {
	if s, ok := ctx.Value(loadersKey{}).(*loaderSlot); ok {
		return s.get()
	}
	return nil
}

// pageEncoder appends a page to b; it is an io.Writer for the scalars that marshal
// themselves (cursors).
type pageEncoder struct {
	ctx context.Context
	l   *Loaders
	b   []byte
}

func (e *pageEncoder) Write(p []byte) (int, error) {
	e.b = append(e.b, p...)
	return len(p), nil
}

// object writes {"alias":value,...}, each value by value(field); false stops.
func (e *pageEncoder) object(fields []pageField, value func(f *pageField) bool) bool {
	e.b = append(e.b, '{')
	for i := range fields {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		// A GraphQL name ([_A-Za-z][_0-9A-Za-z]*): nothing to escape.
		e.b = append(append(append(e.b, '"'), fields[i].alias...), '"', ':')
		if !value(&fields[i]) {
			return false
		}
	}
	e.b = append(e.b, '}')
	return true
}

func (e *pageEncoder) connection(fields []pageField, conn *ent.QuestionConnection) bool {
	return e.object(fields, func(f *pageField) bool {
		switch f.name {
		case "__typename":
			e.b = append(e.b, `"QuestionConnection"`...)
		case "totalCount":
			e.b = strconv.AppendInt(e.b, int64(conn.TotalCount), 10)
		case "pageInfo":
			return e.pageInfo(f.sub, &conn.PageInfo)
		case "edges":
			if conn.Edges == nil {
				e.b = append(e.b, "null"...)
				return true
			}
			e.b = append(e.b, '[')
			for i, edge := range conn.Edges {
				if i > 0 {
					e.b = append(e.b, ',')
				}
				if !e.edge(f.sub, edge) {
					return false
				}
			}
			e.b = append(e.b, ']')
		default:
			return false
		}
		return true
	})
}

func (e *pageEncoder) pageInfo(fields []pageField, p *ent.PageInfo) bool {
	return e.object(fields, func(f *pageField) bool {
		switch f.name {
		case "__typename":
			e.b = append(e.b, `"PageInfo"`...)
		case "hasNextPage":
			e.b = strconv.AppendBool(e.b, p.HasNextPage)
		case "hasPreviousPage":
			e.b = strconv.AppendBool(e.b, p.HasPreviousPage)
		case "startCursor":
			e.cursor(p.StartCursor)
		case "endCursor":
			e.cursor(p.EndCursor)
		default:
			return false
		}
		return true
	})
}

// cursor writes a nullable cursor as marshalOCursor does, for the page's list.
func (e *pageEncoder) cursor(c *ent.Cursor) {
	if c == nil {
		e.b = append(e.b, "null"...)
		return
	}
	cursor.Write(e, cursor.ListAt(e.ctx), *c)
}

func (e *pageEncoder) edge(fields []pageField, edge *ent.QuestionEdge) bool {
	if edge == nil {
		e.b = append(e.b, "null"...)
		return true
	}
	return e.object(fields, func(f *pageField) bool {
		switch f.name {
		case "__typename":
			e.b = append(e.b, `"QuestionEdge"`...)
		case "cursor":
			e.cursor(&edge.Cursor)
		case "node":
			if edge.Node == nil {
				e.b = append(e.b, "null"...)
				return true
			}
			return e.question(f.sub, edge.Node)
		default:
			return false
		}
		return true
	})
}

func (e *pageEncoder) question(fields []pageField, q *ent.Question) bool {
	return e.object(fields, func(f *pageField) bool {
		var ok bool
		switch f.name {
		case "__typename":
			e.b = append(e.b, `"Question"`...)
		case "id":
			e.b = appendString(e.b, GlobalID("Question", q.ID))
		case "subject":
			e.b = appendString(e.b, q.Subject)
		case "title":
			e.b = appendString(e.b, q.Title)
		case "body":
			e.b = appendString(e.b, q.Body)
		case "bodyHtml":
			e.b = appendString(e.b, markdown.HTML(q.Body))
		case "urgency":
			e.b = strconv.AppendQuote(e.b, string(q.Urgency)) // model.Urgency's MarshalGQL
		case "status":
			e.b = strconv.AppendQuote(e.b, string(q.Status))
		case "price":
			e.b = strconv.AppendInt(e.b, q.Price, 10)
		case "revisionCount":
			e.b = strconv.AppendInt(e.b, int64(q.RevisionCount), 10)
		case "aiAssisted":
			e.b = strconv.AppendBool(e.b, q.AiAssisted)
		case "deadline":
			e.b, ok = appendTime(e.b, q.Deadline)
			return ok
		case "createdAt":
			e.b, ok = appendTime(e.b, q.CreatedAt)
			return ok
		case "autoAcceptAt": // the resolver: null unless DELIVERED
			if q.Status != question.StatusDELIVERED || q.AutoAcceptAt == nil || q.AutoAcceptAt.IsZero() {
				e.b = append(e.b, "null"...)
				return true
			}
			e.b, ok = appendTime(e.b, *q.AutoAcceptAt)
			return ok
		case "client": // the resolver: users.Load(ClientID), non-null
			u := e.user(q.ClientID)
			return u != nil && e.userObject(f.sub, u)
		case "expert": // the resolver: userOrNil(ExpertID)
			if q.ExpertID == nil {
				e.b = append(e.b, "null"...)
				return true
			}
			u := e.user(*q.ExpertID)
			return u != nil && e.userObject(f.sub, u)
		case "answer": // the resolver: deliveredAnswer, from answers (revisions is not encoded)
			if !e.l.primed.has(&e.l.primed.answers, q.ID) {
				return false
			}
			a, err := e.l.answers.Load(e.ctx, q.ID)
			if err != nil {
				return false
			}
			if a == nil {
				e.b = append(e.b, "null"...)
				return true
			}
			return e.answer(f.sub, a)
		default:
			return false
		}
		return true
	})
}

// user reads a user as the client and expert resolvers do (the users loader), only when
// the page primed it; nil when it did not, or the loader has no such user.
func (e *pageEncoder) user(id uuid.UUID) *ent.User {
	if !e.l.primed.has(&e.l.primed.users, id) {
		return nil
	}
	u, err := e.l.users.Load(e.ctx, id)
	if err != nil {
		return nil
	}
	return u
}

func (e *pageEncoder) userObject(fields []pageField, u *ent.User) bool {
	return e.object(fields, func(f *pageField) bool {
		switch f.name {
		case "__typename":
			e.b = append(e.b, `"User"`...)
		case "id":
			e.b = appendString(e.b, GlobalID("User", u.ID))
		case "displayName":
			e.b = appendString(e.b, u.DisplayName)
		case "role":
			e.b = strconv.AppendQuote(e.b, string(u.Role))
		default:
			return false
		}
		return true
	})
}

func (e *pageEncoder) answer(fields []pageField, a *ent.AnswerRevision) bool {
	return e.object(fields, func(f *pageField) bool {
		var ok bool
		switch f.name {
		case "__typename":
			e.b = append(e.b, `"AnswerRevision"`...)
		case "id":
			e.b = appendString(e.b, GlobalID("AnswerRevision", a.ID))
		case "kind":
			e.b = strconv.AppendQuote(e.b, string(a.Kind))
		case "body":
			e.b = appendString(e.b, a.Body)
		case "bodyHtml":
			e.b = appendString(e.b, markdown.HTML(a.Body))
		case "createdAt":
			e.b, ok = appendTime(e.b, a.CreatedAt)
			return ok
		default:
			return false
		}
		return true
	})
}

const hexDigits = "0123456789ABCDEF"

// appendString is graphql.MarshalString: quoted, escaping only control characters, '\\'
// and '"' (other bytes, invalid UTF-8 included, as they are).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf || (c >= 0x20 && c != '\\' && c != '"') {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '\t':
			b = append(b, `\t`...)
		case '\r':
			b = append(b, `\r`...)
		case '\n':
			b = append(b, `\n`...)
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
