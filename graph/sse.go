package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"

	"backbone/graph/gqlhttp"
	"backbone/graph/gqlws"
	"backbone/internal/auth"
	"backbone/internal/errs"
	"backbone/internal/httpmw"
	"backbone/internal/viewer"
)

// eventStream is GraphQL over server-sent events (a POST with Accept: text/event-stream),
// for clients that cannot use websockets. Its streams count against the same limits as
// websockets (per user, per address, in total), and end, like them, when the token
// expires or the session ends.
type eventStream struct {
	transport.SSE
	limits *gqlws.Server
	auth   *auth.Service
	// onConnect counts the caller among the experts online while the stream is open, as
	// the websocket transport does (HandlerConfig.OnConnect); nil counts no one.
	onConnect func(ctx context.Context) (release func())
	// maxBody bounds the request body as the POST transport's MaxBodyBytes does.
	maxBody int64
}

// Supports claims a POST of JSON that accepts text/event-stream: gqlgen's transport
// looks for the name alone, and would claim "text/event-stream;q=0" too.
func (t eventStream) Supports(r *http.Request) bool {
	return t.SSE.Supports(r) && gqlhttp.Accepts(r.Header.Get("Accept"), "text/event-stream")
}

// sseWriteTimeout bounds one write of a stream: a client that stops reading loses it.
const sseWriteTimeout = 10 * time.Second

func (t eventStream) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	// The body is read first, under the server's ReadTimeout, so that a client that never
	// finishes sending it holds neither a connection slot nor the connection. It is checked
	// as a POST's (gqlgen's transport would answer a bad one with no code, echoing it, and
	// log it), then handed on re-encoded, with a trusted document's id moved into the
	// extensions, where the server's extensions look for it.
	params, perr := gqlhttp.ReadPOST(w, r, t.maxBody)
	if perr != nil {
		httpmw.WriteError(w, perr.Code, perr.Message)
		return
	}
	body, err := json.Marshal(params)
	if err != nil {
		httpmw.WriteError(w, errs.BadRequest, "request parameters could not be encoded")
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	out := deadlineWriter{ResponseWriter: w, ended: new(atomic.Pointer[[]byte])}
	// The server's shutdown ends the stream as it closes the websockets.
	release, err := t.limits.Reserve(r, connectionOwner(ctx), func() {
		out.ended.Store(shutdownEvent) // before cancel: the last write sees it
		cancel()
	})
	if err != nil {
		code := errs.RateLimited
		var ce *gqlws.CloseError
		if errors.As(err, &ce) && (ce.Code == gqlws.CloseServerBusy || ce.Code == websocket.CloseGoingAway) {
			code = errs.Unavailable
		}
		httpmw.WriteError(w, code, err.Error())
		return
	}
	defer release()
	// Authenticate (the middleware) checked the request's credentials; the stream ends
	// when they expire or are revoked (refused credentials were answered by the fields
	// that need a caller).
	if p, ok := viewer.From(ctx); ok {
		defer watchCredential(t.auth, p, func(code int, reason string) {
			out.ended.Store(endEvent(code, reason)) // before cancel: the last write sees it
			cancel()
		})()
		if t.onConnect != nil {
			defer t.onConnect(ctx)()
		}
	}
	// The server's ReadTimeout would end the stream: its deadline stays on the connection
	// and the read that watches for the client going away would fail with it. Writes get
	// a deadline each instead.
	out.rc = http.NewResponseController(w)
	_ = out.rc.SetReadDeadline(time.Time{})
	r = r.WithContext(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	t.SSE.Do(out, r, exec)
}

// deadlineWriter gives every write and flush of a stream its own deadline, and puts the
// event of why the server ended it (ended, when set) before its complete event.
type deadlineWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	ended *atomic.Pointer[[]byte]
}

// completeEvent is what gqlgen's transport writes, in one write, to end a stream.
const completeEvent = "event: complete\n\n"

func (w deadlineWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	if e := w.ended.Load(); e != nil && string(p) == completeEvent {
		if _, err := w.ResponseWriter.Write(*e); err != nil {
			return 0, err
		}
	}
	return w.ResponseWriter.Write(p)
}

// endEvent is the event telling a client why its stream ends, as a websocket's close
// code does: its credential expired (4401) or was revoked (4403).
func endEvent(code int, reason string) *[]byte {
	why := "revoked"
	if code == gqlws.CloseUnauthorized {
		why = "expired"
	}
	return errorEvent(reason, map[string]any{"code": errs.Unauthenticated, "reason": why})
}

// shutdownEvent ends a stream when the server shuts down, as 1001 (going away) closes a
// websocket: the client connects again, to another instance or after the restart.
var shutdownEvent = errorEvent("server shutting down", map[string]any{"code": errs.Unavailable})

// errorEvent is a next event carrying one error.
func errorEvent(message string, extensions map[string]any) *[]byte {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{"message": message, "extensions": extensions}}})
	e := []byte("event: next\ndata: " + string(b) + "\n\n")
	return &e
}

func (w deadlineWriter) Flush() {
	_ = w.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	_ = w.rc.Flush()
}
