package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"backbone/internal/errs"
)

// maxPageSize bounds first/last on every connection, so that one request cannot ask for
// a whole table.
const maxPageSize = 100

// limitPageSize refuses a first or last argument outside 0..maxPageSize, on any field.
func limitPageSize(ctx context.Context, next graphql.Resolver) (any, error) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.IsResolver {
		for _, arg := range []string{"first", "last"} {
			if n, ok := fc.Args[arg].(*int); ok && n != nil && (*n < 0 || *n > maxPageSize) {
				return nil, errs.Ef(errs.BadUserInput, "%s must be between 0 and %d", arg, maxPageSize).With("field", arg)
			}
		}
	}
	return next(ctx)
}
