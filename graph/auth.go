package graph

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/graph/gqlws"
	"backbone/internal/auth"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// Authenticate reads the credentials of an HTTP request (Authorization: Bearer, or
// X-API-Key), a websocket's upgrade request included, and puts the principal in its
// context. Refused credentials do not fail the request here: public fields still answer,
// fields that need a caller report why, and a websocket is closed (initRefusalCode).
func Authenticate(svc *auth.Service) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cred := auth.Credentials{Authorization: r.Header.Get("Authorization"), APIKey: r.Header.Get("X-API-Key")}
			if cred.Empty() {
				next.ServeHTTP(w, r)
				return
			}
			ctx := r.Context()
			if p, err := svc.Authenticate(ctx, cred); err != nil {
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
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{
			refusal(errs.E(errs.Forbidden, "this API key may only read (it lacks the WRITE scope)")),
		}})
	}
	return next(ctx)
}

// websocketInit authenticates a websocket from its connection_init payload
// ({"Authorization": "Bearer <token>"} or {"X-API-Key": "<key>"}) or else from the
// upgrade request's headers of the same names, which Authenticate checked. A connection
// without credentials stays anonymous; refused credentials close it with 4403 (4401 for an
// expired token: initRefusalCode) and the refusal's message. An authenticated connection is closed when its token or key expires
// (4401) or its session or key is revoked, or a key's owner changes role (4403), on
// whichever instance does it: its subscriptions stop at once, and the queries and
// mutations it is running (a logout sent over it) send their results before the close.
func websocketInit(svc *auth.Service) gqlws.InitFunc {
	return func(ctx context.Context, payload gqlws.InitPayload) (context.Context, error) {
		p, fromUpgrade := viewer.From(ctx)
		err := viewer.AuthError(ctx)
		cred := auth.Credentials{Authorization: payload.Authorization(), APIKey: cmp.Or(payload.GetString("X-API-Key"), payload.GetString("x-api-key"))}
		switch {
		case !cred.Empty():
			p, err = svc.Authenticate(ctx, cred)
		case !fromUpgrade && err == nil:
			return ctx, nil
		}
		if err != nil {
			return nil, &gqlws.CloseError{Code: initRefusalCode(err), Reason: refusalMessage(err)}
		}
		end := watchCredential(svc, p, func(code int, reason string) { gqlws.CloseAfterOperations(ctx, code, reason) })
		context.AfterFunc(ctx, end) // the connection's context ends with it
		return viewer.With(ctx, p), nil
	}
}

// initRefusalCode closes a connection_init whose token expired with 4401, as an open
// socket closes when its token expires (a client refreshes and connects again), and any
// other refusal with 4403.
func initRefusalCode(err error) int {
	if e, ok := errors.AsType[*errs.Error](err); ok && e.Extensions["reason"] == "expired" {
		return gqlws.CloseUnauthorized
	}
	return gqlws.CloseForbidden
}

// refusalMessage is what a client is told of refused credentials: the message an HTTP
// request gets for them.
func refusalMessage(err error) string {
	if e, ok := errors.AsType[*errs.Error](err); ok && e.Code != errs.Internal && e.Message != "" {
		return e.Message
	}
	return "internal error"
}

// watchCredential calls closeWith once, when p's credential expires (4401: at
// p.Expires, which allows a token the same leeway as an HTTP request gets) or is revoked
// (4403), or when an API key's owner no longer has the role the key acts with here (4403:
// a role change or suspension, which end the owner's sessions); stop ends the watch.
func watchCredential(svc *auth.Service, p viewer.Principal, closeWith func(code int, reason string)) (stop func()) {
	what := "session"
	if p.IsAPIKey() {
		what = "API key"
	}
	stopRevocation := svc.WatchRevocation(p, func() { closeWith(gqlws.CloseForbidden, what+" revoked") })
	stopRole := svc.WatchRole(p, func() { closeWith(gqlws.CloseForbidden, roleChanged) })
	stopWatch := func() { stopRevocation(); stopRole() }
	if p.Expires.IsZero() {
		return stopWatch
	}
	expiry := "token expired"
	if p.IsAPIKey() {
		expiry = "API key expired"
	}
	timer := time.AfterFunc(time.Until(p.Expires), func() { closeWith(gqlws.CloseUnauthorized, expiry) })
	return func() { timer.Stop(); stopWatch() }
}

// roleChanged is why a connection opened with an API key closes when its owner's role
// changed: the key still works, with the new role, on a new connection.
const roleChanged = "the API key's owner changed role; connect again"

// connectionOwner names the user of a connection for the per-user limit: the session's
// user, or the API key's owner; "" for anonymous connections.
func connectionOwner(ctx context.Context) string {
	if p, ok := viewer.From(ctx); ok {
		return p.UserID.String()
	}
	return ""
}
