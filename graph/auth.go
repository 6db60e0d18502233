package graph

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/graph/gqlws"
	"backbone/internal/auth"
	"backbone/internal/auth/token"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// Authenticate reads the credentials of an HTTP request (Authorization: Bearer, or
// X-API-Key) and puts the principal in its context. Refused credentials do not fail the
// request here: public fields still answer, and fields that need a caller report why.
func Authenticate(svc *auth.Service) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
				// A websocket lives longer than its credential: websocketInit authenticates
				// it and closes it when the credential expires or is revoked.
				ctx = context.WithValue(ctx, upgradeCredentialsKey{}, liveCredentials{
					authorization: r.Header.Get("Authorization"), apiKey: r.Header.Get("X-API-Key")})
				next.ServeHTTP(w, r.WithContext(ctx))
				return
			}
			var p viewer.Principal
			var err error
			switch {
			case r.Header.Get("X-API-Key") != "":
				p, err = svc.AuthenticateAPIKey(ctx, r.Header.Get("X-API-Key"))
			case r.Header.Get("Authorization") != "":
				tok := auth.BearerToken(r.Header.Get("Authorization"))
				if tok == "" {
					err = errs.E(errs.Unauthenticated, "use Authorization: Bearer <token>").With("reason", "invalid")
				} else {
					p, _, err = svc.Authenticate(ctx, tok)
				}
			default:
				next.ServeHTTP(w, r)
				return
			}
			if err != nil {
				ctx = viewer.WithAuthError(ctx, err)
			} else {
				ctx = viewer.With(ctx, p)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// requireWriteScope refuses mutations to API keys without the WRITE scope.
func requireWriteScope(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	if p, ok := viewer.From(ctx); ok && op.Operation != nil && op.Operation.Operation == ast.Mutation && !p.CanWrite() {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message:    "this API key may only read (it lacks the WRITE scope)",
			Extensions: map[string]any{"code": string(errs.Forbidden)},
		}}})
	}
	return next(ctx)
}

// websocketInit authenticates a websocket from its connection_init payload
// ({"Authorization": "Bearer <token>"} or {"X-API-Key": "<key>"}) or else the upgrade
// request's headers of the same names. A connection without credentials stays anonymous;
// refused credentials close it with 4403. An authenticated connection is closed when its
// token or key expires (4401) or its session or key is revoked (4403), on whichever
// instance revokes it.
func websocketInit(svc *auth.Service) gqlws.InitFunc {
	return func(ctx context.Context, payload gqlws.InitPayload) (context.Context, error) {
		cred := liveCredentials{authorization: payload.Authorization(), apiKey: cmp.Or(payload.GetString("X-API-Key"), payload.GetString("x-api-key"))}
		if cred.empty() {
			cred, _ = ctx.Value(upgradeCredentialsKey{}).(liveCredentials)
		}
		if cred.empty() {
			return ctx, nil
		}
		p, end, err := cred.watch(ctx, svc, func(code int, reason string) { gqlws.Close(ctx, code, reason) })
		if err != nil {
			return nil, &gqlws.CloseError{Code: gqlws.CloseForbidden, Reason: err.Error()}
		}
		context.AfterFunc(ctx, end) // the connection's context ends with it
		return viewer.With(ctx, p), nil
	}
}

// liveCredentials are what a long-lived connection authenticates with: an API key, or
// else an Authorization value.
type liveCredentials struct{ authorization, apiKey string }

func (c liveCredentials) empty() bool { return c.authorization == "" && c.apiKey == "" }

// watch authenticates c and calls closeWith once, when the credential expires (4401) or
// is revoked (4403); end stops watching. The error says why c was refused.
func (c liveCredentials) watch(ctx context.Context, svc *auth.Service, closeWith func(code int, reason string)) (p viewer.Principal, end func(), err error) {
	bearer := auth.BearerToken(c.authorization)
	if c.apiKey == "" && bearer == "" {
		return p, nil, errors.New("use Authorization: Bearer <token>")
	}
	p, expires, err := svc.AuthenticateLive(ctx, bearer, c.apiKey)
	if err != nil {
		if c.apiKey != "" {
			return p, nil, errors.New("invalid API key")
		}
		return p, nil, errors.New("invalid or expired token")
	}
	what := "session"
	if p.IsAPIKey() {
		what = "API key"
	}
	stopWatch := svc.WatchRevocation(p, func() { closeWith(gqlws.CloseForbidden, what+" revoked") })
	if expires.IsZero() {
		return p, stopWatch, nil
	}
	// The same leeway as an HTTP request gets, so both refuse a credential at the same
	// moment: tokens have some, keys none.
	expiry, at := "token expired", expires.Add(token.DefaultLeeway)
	if p.IsAPIKey() {
		expiry, at = "API key expired", expires
	}
	timer := time.AfterFunc(time.Until(at), func() { closeWith(gqlws.CloseUnauthorized, expiry) })
	return p, func() { timer.Stop(); stopWatch() }, nil
}

// upgradeCredentialsKey holds the credentials of a websocket upgrade request.
type upgradeCredentialsKey struct{}

// connectionOwner names the user of a connection for the per-user limit: the session's
// user, or the API key's owner; "" for anonymous connections.
func connectionOwner(ctx context.Context) string {
	if p, ok := viewer.From(ctx); ok {
		return p.UserID.String()
	}
	return ""
}
