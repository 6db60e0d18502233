package graph

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/graph/gqlws"
	"backbone/internal/errs"
)

// eventStream is GraphQL over server-sent events (a POST with Accept: text/event-stream),
// for clients that cannot use websockets. Its streams count against the same per-user
// limit as websockets.
type eventStream struct {
	transport.SSE
	limits *gqlws.Server
}

func (t eventStream) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	release, err := t.limits.Reserve(connectionOwner(r.Context()))
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(graphql.Response{Errors: gqlerror.List{{
			Message: err.Error(), Extensions: map[string]any{"code": string(errs.RateLimited)},
		}}})
		return
	}
	defer release()
	// The server's ReadTimeout would end the stream: its deadline stays on the connection
	// and the read that watches for the client going away would fail with it.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	t.SSE.Do(w, r, exec)
}
