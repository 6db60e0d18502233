// Package gqlhttp is a gqlgen transport for GraphQL over HTTP (GET and POST) that follows the GraphQL-over-HTTP spec.
package gqlhttp

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/internal/errs"
)

// DefaultMaxBodyBytes caps a POST body when Transport.MaxBodyBytes is zero.
const DefaultMaxBodyBytes int64 = 1 << 20

// Transport serves GraphQL over HTTP as the GraphQL-over-HTTP draft spec says, for both
// application/json and application/graphql-response+json responses. It replaces gqlgen's
// transport.GET and transport.POST. The zero value is ready to use:
//
//	srv := handler.New(schema)
//	srv.AddTransport(transport.Websocket{...}) // and SSE, MultipartForm if used
//	srv.AddTransport(gqlhttp.Transport{})      // last: it answers every other request
//
// It claims every request without an Upgrade header, so that wrong methods and media
// types get 405, 406 and 415 rather than gqlgen's "transport not supported"; add it after
// the transports that claim narrower requests (SSE, MultipartForm).
type Transport struct {
	// MaxBodyBytes caps a POST body; a larger one gets 413. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ResponseHeaders are added to every response this transport writes.
	ResponseHeaders http.Header
	// ErrorStatus picks the status of an application/graphql-response+json response that
	// has no data entry (the spec requires 4xx or 5xx there). Zero means: DefaultErrorStatus,
	// then 400 for a request refused before execution and 500 after it.
	ErrorStatus func(list gqlerror.List) int
	// AdmitQuery, when set, is asked for a turn before a query executes (mutations do not
	// ask). It returns the function that gives the turn back, which the transport calls
	// once, or an error when the query gets no turn: answered UNAVAILABLE with Retry-After
	// (its status as for any error before execution), or CANCELLED when the request's
	// context ended.
	AdmitQuery func(ctx context.Context) (leave func(), err error)
	// Charge, when set, is called once the transport has accepted an operation (its
	// method, its type, its turn) and before it runs: a rate budget charges it there, so
	// that what the transport refuses costs nothing. An error refuses the operation, as
	// an error before execution.
	Charge func(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error
}

var _ graphql.Transport = Transport{}

// Supports claims every request except websocket upgrades.
func (t Transport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == ""
}

// Do serves one GraphQL-over-HTTP request.
func (t Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	w.Header().Add("Vary", "Accept")
	mediaType := negotiate(r.Header.Get("Accept"))
	out := responder{w: w, mediaType: mediaType, headers: t.ResponseHeaders}
	if mediaType == "" {
		out.mediaType = MediaTypeJSON
	}
	start := graphql.Now()
	var params *graphql.RawParams
	var rerr *requestError
	switch r.Method {
	case http.MethodOptions:
		w.Header().Set("Allow", allowed)
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet, http.MethodPost:
	default:
		w.Header().Set("Allow", allowed)
		out.refuse(&requestError{errs.MethodNotAllowed, "method must be GET or POST"})
		return
	}
	if mediaType == "" {
		out.refuse(&requestError{errs.NotAcceptable,
			"Accept must allow application/graphql-response+json or application/json"})
		return
	}
	if r.Method == http.MethodGet {
		params, rerr = readGET(r)
	} else {
		params, rerr = readPOST(w, r, t.maxBody())
	}
	if rerr != nil {
		out.refuse(rerr)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	t.execute(out, r, params, exec)
}

// allowed is the Allow header of a 405.
const allowed = "GET, POST, OPTIONS"

func (t Transport) maxBody() int64 {
	if t.MaxBodyBytes > 0 {
		return t.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

// execute runs gqlgen's flow: build the operation context, check the operation suits the
// method, wait for its turn, charge it, dispatch and write the single response.
func (t Transport) execute(out responder, r *http.Request, params *graphql.RawParams, exec graphql.GraphExecutor) {
	ctx := r.Context()
	opCtx, list := exec.CreateOperationContext(ctx, params)
	if list != nil {
		t.refuseOperation(out, ctx, opCtx, exec, list)
		return
	}
	switch op := opCtx.Operation.Operation; {
	case r.Method == http.MethodGet && op != ast.Query:
		// GET is safe: the spec requires 405 for a mutation, before anything runs.
		out.w.Header().Set("Allow", "POST")
		out.refuse(&requestError{errs.MethodNotAllowed,
			"GET can only run queries; send " + string(op) + " operations with POST"})
		return
	case op == ast.Subscription:
		t.refuseOperation(out, ctx, opCtx, exec, gqlerror.List{{Message: "subscriptions need a websocket or server-sent events",
			Extensions: map[string]any{"code": string(errs.OperationNotSupported)}}})
		return
	}
	leave, admitted := t.admit(out, ctx, opCtx, exec)
	if !admitted {
		return
	}
	if t.Charge != nil {
		if err := t.Charge(ctx, opCtx); err != nil {
			leave()
			t.refuseOperation(out, ctx, opCtx, exec, gqlerror.List{err})
			return
		}
	}
	left := false
	defer func() {
		if !left { // the operation panicked
			leave()
		}
	}()
	handle, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := handle(ctx)
	left = true
	leave() // before the write: a client slow to read does not hold the turn
	if resp == nil {
		resp = &graphql.Response{Errors: gqlerror.List{{Message: "the operation produced no response"}}}
	}
	out.write(t.status(out.mediaType, resp, http.StatusInternalServerError), resp)
}

// refuseOperation answers an operation refused before it ran with list.
func (t Transport) refuseOperation(out responder, ctx context.Context, opCtx *graphql.OperationContext, exec graphql.GraphExecutor, list gqlerror.List) {
	resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), list)
	out.write(t.status(out.mediaType, resp, http.StatusBadRequest), resp)
}

// admit waits for the query's turn, when AdmitQuery is set; without one it answers the
// request itself and returns false.
func (t Transport) admit(out responder, ctx context.Context, opCtx *graphql.OperationContext, exec graphql.GraphExecutor) (leave func(), ok bool) {
	if t.AdmitQuery == nil || opCtx.Operation.Operation != ast.Query {
		return func() {}, true
	}
	leave, err := t.AdmitQuery(ctx)
	if err == nil {
		return leave, true
	}
	code, msg := errs.Unavailable, "the server is busy: try again shortly"
	if ctx.Err() != nil {
		code, msg = errs.Cancelled, "the request ended while the query waited for its turn"
	} else {
		out.w.Header().Set("Retry-After", "1")
	}
	resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx),
		gqlerror.List{{Message: msg, Extensions: map[string]any{"code": string(code)}}})
	out.write(t.status(out.mediaType, resp, http.StatusServiceUnavailable), resp)
	return nil, false
}

// status is 200 for application/json (the spec's legacy rule) and for any response with
// a data entry; otherwise ErrorStatus, DefaultErrorStatus, then fallback.
func (t Transport) status(mediaType string, resp *graphql.Response, fallback int) int {
	if mediaType == MediaTypeJSON || len(resp.Data) > 0 {
		return http.StatusOK
	}
	if t.ErrorStatus != nil {
		if s := t.ErrorStatus(resp.Errors); s != 0 {
			return s
		}
	}
	if s := DefaultErrorStatus(resp.Errors); s != 0 {
		return s
	}
	return fallback
}
