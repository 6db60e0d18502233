package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"

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
}

// sseWriteTimeout bounds one write of a stream: a client that stops reading loses it.
const sseWriteTimeout = 10 * time.Second

func (t eventStream) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	release, err := t.limits.Reserve(r, connectionOwner(r.Context()))
	if err != nil {
		code := errs.RateLimited
		var ce *gqlws.CloseError
		if errors.As(err, &ce) && ce.Code == gqlws.CloseServerBusy {
			code = errs.Unavailable
		}
		httpmw.WriteError(w, code, err.Error())
		return
	}
	defer release()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	// Authenticate (the middleware) checked the request's credentials; the stream ends
	// when they expire or are revoked (refused credentials were answered by the fields
	// that need a caller).
	if p, ok := viewer.From(ctx); ok {
		defer watchCredential(t.auth, p, func(int, string) { cancel() })()
	}
	// The server's ReadTimeout would end the stream: its deadline stays on the connection
	// and the read that watches for the client going away would fail with it. Writes get
	// a deadline each instead.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	r = r.WithContext(ctx)
	r.Body = io.NopCloser(bytes.NewReader(documentIDIntoExtensions(r.Body)))
	t.SSE.Do(deadlineWriter{ResponseWriter: w, rc: rc}, r, exec)
}

// documentIDIntoExtensions reads a request body and moves its documentId (a trusted
// document's id) into its extensions, where the server's extensions look for it, as the
// HTTP and websocket transports do: gqlgen's SSE transport reads only the parameters
// graphql.RawParams has. A body that is not such a JSON object is left as it is, for the
// transport to refuse.
func documentIDIntoExtensions(body io.Reader) []byte {
	raw, err := io.ReadAll(body)
	if err != nil {
		return raw
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return raw
	}
	id, ok := fields[gqlhttp.DocumentIDExtension]
	if !ok {
		return raw
	}
	var ext map[string]json.RawMessage
	if e, ok := fields["extensions"]; ok && json.Unmarshal(e, &ext) != nil {
		return raw
	}
	if ext == nil {
		ext = map[string]json.RawMessage{}
	}
	ext[gqlhttp.DocumentIDExtension] = id
	delete(fields, gqlhttp.DocumentIDExtension)
	fields["extensions"], _ = json.Marshal(ext)
	out, err := json.Marshal(fields)
	if err != nil {
		return raw
	}
	return out
}

// deadlineWriter gives every write and flush of a stream its own deadline.
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (w deadlineWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	return w.ResponseWriter.Write(p)
}

func (w deadlineWriter) Flush() {
	_ = w.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	_ = w.rc.Flush()
}
