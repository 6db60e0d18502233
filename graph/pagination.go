package graph

import (
	"context"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"backbone/internal/errs"
)

// maxPageSize bounds first/last on every connection, so that one request cannot ask for
// a whole table.
const maxPageSize = 100

// defaultPageSize is the page a connection returns when neither first nor last is given,
// and what such a request is charged for (see pageCosts).
const defaultPageSize = 20

// limitPageSize refuses, on a connection (a field taking both first and last), a first or
// last outside 0..maxPageSize and the two together (ent's Paginate would refuse them
// without a code), and gives one that got neither the default page size.
// expertLeaderboard, which takes first alone, has its own bounds (1 to 100, one message
// for every value outside) and default. The access
// directives call it (see directives), which every field taking first or last declares
// (TestPagedFieldsDeclareAnAccessDirective): it runs once per paged field, not in a
// middleware around every field of a response.
func limitPageSize(ctx context.Context) error {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver {
		return nil
	}
	takes := 0
	for _, arg := range pageArgs {
		if _, ok := fc.Args[arg]; ok {
			takes++
		}
	}
	if takes != len(pageArgs) {
		return nil // not a connection (expertLeaderboard's first): its service checks it
	}
	given := 0
	for _, arg := range pageArgs {
		if n, ok := fc.Args[arg].(*int); ok && n != nil {
			given++
			if *n < 0 || *n > maxPageSize {
				return errs.Ef(errs.BadUserInput, "%s must be between 0 and %d", arg, maxPageSize).With("field", arg)
			}
		}
	}
	if given > 1 {
		return errs.E(errs.BadUserInput, "pass first or last, not both")
	}
	if given == 0 {
		// The resolver reads its arguments from this map when it runs. A page before a
		// cursor alone is the one just before it (last), not the list's beginning.
		n, size := defaultPageSize, "first"
		if before, _ := fc.Args["before"].(*entgql.Cursor[uuid.UUID]); before != nil {
			if after, _ := fc.Args["after"].(*entgql.Cursor[uuid.UUID]); after == nil {
				size = "last"
			}
		}
		fc.Args[size] = &n
	}
	return nil
}
