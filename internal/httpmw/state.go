package httpmw

import "context"

// requestState is what the middleware of one request learn and later layers read back:
// the request id, the client IP, the access log's notes and the route's name. RequestID
// puts it in the context once; the middleware after it fill it in rather than each
// adding a context layer, and with it a copy of the *http.Request (r.WithContext), to
// every request.
type requestState struct {
	id       any // string, boxed once: RequestIDFrom reads it for every log line
	clientIP any // string; nil until ClientIPContext sets it
	notes    *logNotes
	route    *routeSlot
}

// stateCtx is a request's context carrying its requestState. It answers the keys of
// the values the state holds, so RequestIDFrom, ClientIPFrom and the others read it as
// they read a context.WithValue layer; a value not set yet is looked up further out.
type stateCtx struct {
	context.Context
	s *requestState
}

func (c *stateCtx) Value(key any) any {
	switch key.(type) {
	case requestIDKey:
		if c.s.id != nil {
			return c.s.id
		}
	case clientIPKey:
		if c.s.clientIP != nil {
			return c.s.clientIP
		}
	case logNotesKey:
		if c.s.notes != nil {
			return c.s.notes
		}
	case routeKey:
		if c.s.route != nil {
			return c.s.route
		}
	}
	return c.Context.Value(key)
}

// stateOf is the requestState of ctx when ctx is the stateCtx itself, with no layer
// added since: only then is setting a value in it the same as adding a layer with it
// (a layer in between could hold the same key and would otherwise shadow it).
func stateOf(ctx context.Context) *requestState {
	if c, ok := ctx.(*stateCtx); ok {
		return c.s
	}
	return nil
}
