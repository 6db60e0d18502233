package schema

import (
	"context"

	"entgo.io/ent/entql"

	"backbone/ent/privacy"
	"backbone/internal/viewer"
)

// Read rules. Ownership of reads is enforced here, once, so that node(id:), connections
// and dataloaders can never return another user's row. Services that must read across
// users (login by email, sweeps) say so with privacy.DecisionContext(ctx, privacy.Allow).

// allowAdmin lets admins read every row.
func allowAdmin() privacy.QueryRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if p, ok := viewer.From(ctx); ok && p.IsAdmin() {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// ownRowsOnly filters a query to the rows whose column holds the viewer's user id, and
// denies it outright when there is no viewer.
func ownRowsOnly(column string) privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		p, ok := viewer.From(ctx)
		if !ok {
			return privacy.Denyf("no viewer")
		}
		f.Where(entql.FieldEQ(column, p.UserID))
		return privacy.Allow
	})
}

// systemOnly denies every read that is not explicitly allowed by a service.
func systemOnly() privacy.QueryRule { return privacy.AlwaysDenyRule() }

// ownRowsAny is ownRowsOnly over two columns: a row is the viewer's when either holds
// the viewer's user id.
func ownRowsAny(first, second string) privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		p, ok := viewer.From(ctx)
		if !ok {
			return privacy.Denyf("no viewer")
		}
		f.Where(entql.Or(entql.FieldEQ(first, p.UserID), entql.FieldEQ(second, p.UserID)))
		return privacy.Allow
	})
}
