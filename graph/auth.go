package graph

import (
	"context"
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
				// A websocket lives longer than its token: websocketInit authenticates it
				// and closes it when the token expires or the session ends.
				ctx = context.WithValue(ctx, upgradeAuthorizationKey{}, r.Header.Get("Authorization"))
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
// ({"Authorization": "Bearer <token>"}) or else the upgrade request's Authorization
// header. API keys are for HTTP requests. A connection without credentials stays anonymous;
// refused credentials close it with 4403. An authenticated connection is closed when its
// token expires (4401) or its session is revoked (4403), on whichever instance revokes it.
func websocketInit(svc *auth.Service) gqlws.InitFunc {
	return func(ctx context.Context, payload gqlws.InitPayload) (context.Context, error) {
		authorization := payload.Authorization()
		if authorization == "" {
			authorization, _ = ctx.Value(upgradeAuthorizationKey{}).(string) // the upgrade request's header
		}
		if authorization == "" {
			return ctx, nil
		}
		bearer := auth.BearerToken(authorization)
		if bearer == "" {
			return nil, &gqlws.CloseError{Code: gqlws.CloseForbidden, Reason: "use Authorization: Bearer <token>"}
		}
		p, expires, err := svc.Authenticate(ctx, bearer)
		if err != nil {
			return nil, &gqlws.CloseError{Code: gqlws.CloseForbidden, Reason: "invalid or expired token"}
		}
		ctx = viewer.With(ctx, p)
		// The same leeway as an HTTP request gets, so both refuse a token at the same moment.
		timer := time.AfterFunc(time.Until(expires.Add(token.DefaultLeeway)), func() { gqlws.Close(ctx, gqlws.CloseUnauthorized, "token expired") })
		stop := svc.WatchSession(p.SessionID, func() { gqlws.Close(ctx, gqlws.CloseForbidden, "session revoked") })
		context.AfterFunc(ctx, func() { timer.Stop(); stop() }) // the connection's context ends with it
		return ctx, nil
	}
}

// upgradeAuthorizationKey holds the Authorization header of a websocket upgrade request.
type upgradeAuthorizationKey struct{}

// connectionOwner names the user of a connection for the per-user limit: the session's
// user, or the API key's owner; "" for anonymous connections.
func connectionOwner(ctx context.Context) string {
	if p, ok := viewer.From(ctx); ok {
		return p.UserID.String()
	}
	return ""
}
