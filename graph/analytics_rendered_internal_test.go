package graph

import (
	"context"
	"io"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/internal/analytics"
	"backbone/internal/memo"
	"backbone/internal/viewer"
)

// renderedAnalytics renders a kept field once for its admins, and leaves every other
// caller, field and failed rendering to the field's own resolution.
func TestRenderedAnalyticsRendersOnceForItsRoles(t *testing.T) {
	m := memo.New(memo.Config{Name: "analytics"})
	t.Cleanup(func() { m.Close() })
	mw := renderedAnalytics(analytics.New(nil, m), NewExecutableSchema(Config{}).Schema())

	renders := 0
	next := func(json string, fail bool) graphql.RootResolver {
		return func(ctx context.Context) graphql.Marshaler {
			renders++
			if fail {
				graphql.AddError(ctx, &gqlerror.Error{Message: "refused", Path: ast.Path{ast.PathName("analytics")}})
			}
			return graphql.WriterFunc(func(w io.Writer) { io.WriteString(w, json) })
		}
	}
	call := func(p *viewer.Principal, field, query string, resolve graphql.RootResolver) string {
		ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, nil)
		ctx = graphql.WithOperationContext(ctx, &graphql.OperationContext{RawQuery: query,
			Operation: &ast.OperationDefinition{Operation: ast.Query}})
		ctx = graphql.WithRootFieldContext(ctx, &graphql.RootFieldContext{Object: field,
			Field: graphql.CollectedField{Field: &ast.Field{Name: field, Alias: field}}})
		if p != nil {
			ctx = viewer.With(ctx, *p)
		}
		var b writer
		mw(ctx, resolve).MarshalGQL(&b)
		return string(b)
	}
	admin := &viewer.Principal{UserID: uuid.New(), Role: viewer.RoleAdmin}
	expert := &viewer.Principal{UserID: uuid.New(), Role: viewer.RoleExpert}

	const doc = "{ analytics { start } }"
	if got := call(admin, "analytics", doc, next(`[1]`, false)); got != `[1]` || renders != 1 {
		t.Fatalf("first: %s after %d renders", got, renders)
	}
	if got := call(admin, "analytics", doc, next(`[2]`, false)); got != `[1]` || renders != 1 {
		t.Fatalf("an admin's second request was rendered again: %s after %d renders", got, renders)
	}
	for _, p := range []*viewer.Principal{expert, nil} {
		if got := call(p, "analytics", doc, next(`null`, false)); got != `null` || renders != 2 {
			t.Fatalf("%v got the kept answer: %s", p, got)
		}
		renders = 1
	}
	// A field that is not kept, and a document that differs, are rendered every time.
	call(admin, "me", "{ me { id } }", next(`{}`, false))
	call(admin, "me", "{ me { id } }", next(`{}`, false))
	if renders != 3 {
		t.Fatalf("me was kept: %d renders", renders)
	}
	const other = "{ analytics { end } }"
	for range 2 {
		if got := call(admin, "analytics", other, next(`[3]`, true)); got != `[3]` {
			t.Fatalf("a failed rendering: %s", got)
		}
	}
	if renders != 5 {
		t.Fatalf("a failed rendering was kept: %d renders", renders)
	}
}

type writer []byte

func (w *writer) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }
