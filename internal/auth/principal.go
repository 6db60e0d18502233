// Package auth knows who is calling: the principal in the context, and the services that
// establish it (sessions, tokens, API keys).
package auth

import (
	"context"

	"github.com/google/uuid"

	"backbone/ent/user"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID    uuid.UUID
	Role      user.Role
	SessionID string // the refresh-token family behind the access token; empty for API keys
	APIKeyID  uuid.UUID
	Scopes    []string // API key scopes; empty for a user's own session
}

// HasRole reports whether the principal has one of the roles.
func (p Principal) HasRole(roles ...user.Role) bool {
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller, if the request is authenticated.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
