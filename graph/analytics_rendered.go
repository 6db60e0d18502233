package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"backbone/internal/analytics"
	"backbone/internal/viewer"
)

// renderedAnalyticsFields are the root fields whose whole answer is kept rendered. Their
// figures come from the analytics memo anyway, and at a year of days the API's own work
// (a field context and a goroutine per point, thousands of fields) costs several times
// what reading the cached figures does. Their answers depend only on their arguments and
// the rollups, never on which admin asks.
var renderedAnalyticsFields = []string{"analytics", "analyticsBySubject", "expertLeaderboard"}

// errNotKept marks a rendering that carried errors: it is answered, not kept.
var errNotKept = errors.New("graph: a field with errors is not kept rendered")

// renderedAnalytics serves the renderedAnalyticsFields from insight's memo: the first
// request for a document, its variables and a field's alias renders the field as usual
// (directives, resolver, marshalling) and keeps the JSON; later ones within the memo's
// lifetime write it back. A kept answer skips the field's directive, so it is only
// served to a caller the directive would let through: the roles come from the field's
// @hasRole in the schema, and a field without one is never kept.
func renderedAnalytics(insight *analytics.Service, schema *ast.Schema) graphql.RootFieldMiddleware {
	roles := map[string][]string{}
	for _, name := range renderedAnalyticsFields {
		if r := hasRoleRoles(schema.Query.Fields.ForName(name)); len(r) > 0 {
			roles[name] = r
		}
	}
	return func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		// A root field context's Object is the field's name, not its type's: the
		// operation says whether the field is the Query's.
		rc, oc := graphql.GetRootFieldContext(ctx), graphql.GetOperationContext(ctx)
		if rc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query {
			return next(ctx)
		}
		allowed, kept := roles[rc.Field.Name]
		p, signedIn := viewer.From(ctx)
		if !kept || !signedIn || !p.HasRole(allowed...) {
			return next(ctx) // the directive answers
		}
		var rendered graphql.Marshaler // this request's own rendering, when it made one
		out, err := insight.Rendered(ctx, renderKey(oc, rc.Field.Alias),
			func(context.Context) (json.RawMessage, error) {
				// ctx, not the memo's: the field resolves in this request's operation.
				if rc.Field.Name == "analytics" {
					if b, ok := encodeAnalytics(ctx, insight, oc, rc.Field); ok {
						rendered = graphql.WriterFunc(func(w io.Writer) { _, _ = w.Write(b) })
						return b, nil
					}
				}
				rendered = next(ctx)
				if fieldFailed(ctx, rc.Field.Alias) {
					return nil, errNotKept
				}
				var b bytes.Buffer
				rendered.MarshalGQL(&b)
				return b.Bytes(), nil
			})
		switch {
		case err != nil && ctx.Err() != nil:
			// The caller has gone, maybe while its rendering still runs on the memo's
			// goroutine: rendered is not to be read.
			return graphql.Null
		case rendered != nil:
			return rendered
		case err != nil:
			// Another request's rendering failed, or the memo did: render this one.
			return next(ctx)
		}
		return graphql.WriterFunc(func(w io.Writer) { _, _ = w.Write(out) })
	}
}

// renderKey names one field of one operation with its variables: the same key renders
// the same JSON, aliases and fragments included.
func renderKey(oc *graphql.OperationContext, alias string) string {
	vars, _ := json.Marshal(oc.Variables) // maps marshal with sorted keys
	h := sha256.New()
	for _, part := range [][]byte{[]byte(oc.RawQuery), []byte(oc.OperationName), []byte(alias), vars} {
		h.Write(part)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fieldFailed reports whether the response holds an error under the root field alias.
func fieldFailed(ctx context.Context, alias string) bool {
	for _, e := range graphql.GetErrors(ctx) {
		if len(e.Path) > 0 && e.Path[0] == ast.PathName(alias) {
			return true
		}
	}
	return false
}

// hasRoleRoles lists the roles of a field's @hasRole directive; none without one.
func hasRoleRoles(f *ast.FieldDefinition) []string {
	if f == nil {
		return nil
	}
	d := f.Directives.ForName("hasRole")
	if d == nil {
		return nil
	}
	arg := d.Arguments.ForName("roles")
	if arg == nil || arg.Value == nil {
		return nil
	}
	var out []string
	for _, c := range arg.Value.Children {
		out = append(out, c.Value.Raw)
	}
	return out
}
