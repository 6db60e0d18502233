package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// directives implements @public, @auth and @hasRole from schema.graphql. Every root field
// declares one of them (TestEveryRootFieldDeclaresWhoMayCallIt), so they also check the
// page size of the paged fields (limitPageSize), before who may call them, as a field
// middleware did without running around every field of a response.
func directives() DirectiveRoot {
	return DirectiveRoot{
		Public: func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
			if err := limitPageSize(ctx); err != nil {
				return nil, err
			}
			return next(ctx)
		},
		Auth: func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
			if err := limitPageSize(ctx); err != nil {
				return nil, err
			}
			if _, err := viewer.Required(ctx); err != nil {
				return nil, err
			}
			return next(ctx)
		},
		HasRole: func(ctx context.Context, _ any, next graphql.Resolver, roles []user.Role) (any, error) {
			if err := limitPageSize(ctx); err != nil {
				return nil, err
			}
			p, err := viewer.Required(ctx)
			if err != nil {
				return nil, err
			}
			for _, r := range roles {
				if p.Role == string(r) {
					return next(ctx)
				}
			}
			return nil, errs.E(errs.Forbidden, "your role may not do this")
		},
	}
}
