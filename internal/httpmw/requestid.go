package httpmw

import (
	"context"
	"net/http"

	"github.com/google/uuid"
)

// HeaderRequestID is the request id header, read from callers and set on responses.
const HeaderRequestID = "X-Request-ID"

// requestIDKeyCanonical is HeaderRequestID as net/http keys it in a Header: reading and
// setting it by this key skips the canonicalization, and the copy of the key it makes,
// of every request.
var requestIDKeyCanonical = http.CanonicalHeaderKey(HeaderRequestID)

// maxRequestIDLen bounds an incoming id: it lands in every log line.
const maxRequestIDLen = 128

type requestIDKey struct{}

// RequestID keeps a sane incoming X-Request-ID (at most 128 characters of
// letters, digits and "-_.:") or makes a UUIDv7, sets it on the response and
// stores it in the context for RequestIDFrom, in the request state that the middleware
// after it fill in (state.go).
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var id string
		if v := r.Header[requestIDKeyCanonical]; len(v) > 0 {
			id = v[0]
		}
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header()[requestIDKeyCanonical] = []string{id}
		next.ServeHTTP(w, r.WithContext(&stateCtx{Context: r.Context(), s: &requestState{id: id}}))
	})
}

// WithRequestID returns ctx carrying id, for work started outside an HTTP request.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id in ctx, or "" when there is none.
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// validRequestID accepts only characters that are safe in logs and headers.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}
