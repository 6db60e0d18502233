package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"backbone/ent/user"
	"backbone/internal/auth"
	"backbone/internal/errs"
)

// directives implements @public, @auth and @hasRole from schema.graphql.
func directives() DirectiveRoot {
	return DirectiveRoot{
		Public: func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
			return next(ctx)
		},
		Auth: func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
			if _, ok := auth.FromContext(ctx); !ok {
				return nil, errs.E(errs.Unauthenticated, "sign in first")
			}
			return next(ctx)
		},
		HasRole: func(ctx context.Context, _ any, next graphql.Resolver, roles []user.Role) (any, error) {
			p, ok := auth.FromContext(ctx)
			if !ok {
				return nil, errs.E(errs.Unauthenticated, "sign in first")
			}
			if !p.HasRole(roles...) {
				return nil, errs.E(errs.Forbidden, "your role may not do this")
			}
			return next(ctx)
		},
	}
}
