package graph

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/graph/wsgorilla"
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
// ({"Authorization": "Bearer <token>"}). A connection without credentials stays anonymous;
// refused credentials close it with 4403. An authenticated connection is closed when its
// token expires (4401) or its session is revoked (4403), on whichever instance revokes it.
func websocketInit(svc *auth.Service) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		bearer := auth.BearerToken(payload.Authorization())
		if bearer == "" && payload.Authorization() == "" {
			return ctx, nil, nil
		}
		p, expires, err := svc.Authenticate(ctx, bearer)
		if err != nil {
			return forbidden(ctx, "invalid or expired token"), nil, err
		}
		ctx = viewer.With(ctx, p)
		lc := newLiveCtx(ctx, wsgorilla.CloseCodeFrom(ctx))
		// The same leeway as an HTTP request gets, so both refuse a token at the same moment.
		timer := time.AfterFunc(time.Until(expires.Add(token.DefaultLeeway)), func() { lc.end(4401, "token expired") })
		stop := svc.WatchSession(p.SessionID, func() { lc.end(4403, "session revoked") })
		context.AfterFunc(lc, func() { timer.Stop(); stop() })
		return lc, nil, nil
	}
}

func forbidden(ctx context.Context, reason string) context.Context {
	return transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, reason), 4403)
}

// reasonProbe finds gqlgen's unexported close-reason context key.
var reasonProbe = transport.AppendCloseReason(context.Background(), "probe")

// liveCtx is a connection context that can be ended later with a code and reason. gqlgen
// reads the close reason from the context when it closes the socket (the legacy graphql-ws
// protocol sends it as a connection error), so the reason must appear only at that
// moment; the close frame's code goes through the connection's wsgorilla.CloseCode.
type liveCtx struct {
	context.Context
	cancel    context.CancelFunc
	closeCode *wsgorilla.CloseCode // nil when the connection did not come through wsgorilla
	mu        sync.Mutex
	reason    string
}

func newLiveCtx(parent context.Context, cc *wsgorilla.CloseCode) *liveCtx {
	ctx, cancel := context.WithCancel(parent)
	return &liveCtx{Context: ctx, cancel: cancel, closeCode: cc}
}

func (c *liveCtx) end(code int, reason string) {
	c.mu.Lock()
	if c.reason == "" {
		c.reason = reason
	}
	c.mu.Unlock()
	if c.closeCode != nil {
		c.closeCode.Set(code, reason)
	}
	c.cancel()
}

// Value answers gqlgen's close reason once the context was ended.
func (c *liveCtx) Value(key any) any {
	c.mu.Lock()
	reason := c.reason
	c.mu.Unlock()
	if reason != "" && reasonProbe.Value(key) != nil {
		return reason
	}
	return c.Context.Value(key)
}
