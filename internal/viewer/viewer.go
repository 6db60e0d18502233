// Package viewer carries the authenticated caller of a request in its context, and is the
// one check that a caller is signed in (Required). It is a leaf package (no ent import; it
// imports only internal/errs) so that the ent privacy rules in ent/schema can use it.
package viewer

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"backbone/internal/errs"
)

// Roles, spelled as in the database and the GraphQL schema.
const (
	RoleClient = "CLIENT"
	RoleExpert = "EXPERT"
	RoleAdmin  = "ADMIN"
)

// API key scopes.
const (
	ScopeRead  = "READ"
	ScopeWrite = "WRITE"
)

// Principal is the authenticated caller of a request: a user's session, or an API key
// acting for its owner within its scopes.
type Principal struct {
	UserID    uuid.UUID
	Role      string
	SessionID uuid.UUID // the refresh-token family behind an access token; zero for API keys
	APIKeyID  uuid.UUID // zero for a user's own session
	Scopes    []string  // API key scopes; empty for a session, which may do all its role may
	// Expires is when the credential stops being accepted (a token's exp plus the
	// leeway, a key's expiry); zero: never. Live connections close then.
	Expires time.Time
}

// HasRole reports whether the principal has one of the roles.
func (p Principal) HasRole(roles ...string) bool { return slices.Contains(roles, p.Role) }

// IsAdmin reports whether the principal is an admin.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

// IsAPIKey reports whether the principal authenticated with an API key.
func (p Principal) IsAPIKey() bool { return p.APIKeyID != uuid.Nil }

// CanWrite reports whether the principal may call mutations: sessions always, API keys
// only with the WRITE scope.
func (p Principal) CanWrite() bool {
	return !p.IsAPIKey() || slices.Contains(p.Scopes, ScopeWrite)
}

type principalKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the caller, if the request is authenticated.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Required returns the caller, or why there is none: the refusal of the credentials sent
// (WithAuthError), or UNAUTHENTICATED "sign in first" when none were sent.
func Required(ctx context.Context) (Principal, error) {
	if p, ok := From(ctx); ok {
		return p, nil
	}
	if err := AuthError(ctx); err != nil {
		return Principal{}, err
	}
	return Principal{}, errs.E(errs.Unauthenticated, "sign in first")
}

// RequiredSession is Required for what only the user's own session may do, never an API
// key acting for them: manage sessions, passwords and keys, and say where payouts go (a
// leaked key must not take over the account or its earnings). Errors: those of Required;
// FORBIDDEN for an API key.
func RequiredSession(ctx context.Context) (Principal, error) {
	p, err := Required(ctx)
	if err != nil {
		return p, err
	}
	if p.IsAPIKey() {
		return p, errs.E(errs.Forbidden, "API keys cannot manage sessions, passwords, keys or payout methods")
	}
	return p, nil
}

type authErrKey struct{}

// WithAuthError records why the credentials sent with a request were refused (expired,
// revoked...), so that a field that needs sign-in can say why rather than "sign in first".
func WithAuthError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, authErrKey{}, err)
}

// AuthError returns the error recorded by WithAuthError, if any.
func AuthError(ctx context.Context) error {
	err, _ := ctx.Value(authErrKey{}).(error)
	return err
}
