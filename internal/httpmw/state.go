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
	// attached are the values other packages gave the request with Attach.
	attached []attachedValue
	inline   [2]attachedValue // attached's first values, without an allocation of their own

	// The notes, route slot and response recorder of the request, held here rather than
	// allocated each on its own.
	notesInline logNotes
	routeInline routeSlot
	recInline   recorder
}

type attachedValue struct{ key, value any }

type stateKey struct{}

// Attach gives the request ctx belongs to the value val under key, as
// context.WithValue(ctx, key, val) would, without a context layer and with it a copy of
// the *http.Request (r.WithContext) per request. It reports false, attaching nothing,
// outside a request RequestID serves; the caller then adds the layer itself. Use it only
// when no layer added to the request's context since RequestID holds key: such a layer
// would answer for key first.
func Attach(ctx context.Context, key, val any) bool {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	if st == nil {
		return false
	}
	if st.attached == nil {
		st.attached = st.inline[:0]
	}
	st.attached = append(st.attached, attachedValue{key, val})
	return true
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
	case stateKey:
		return c.s
	}
	for i := len(c.s.attached) - 1; i >= 0; i-- {
		if c.s.attached[i].key == key {
			return c.s.attached[i].value
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
