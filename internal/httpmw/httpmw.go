// Package httpmw holds Backbone's HTTP middleware: request ids, access logs, panics, security headers, limits, CORS, client IPs and metrics.
package httpmw

import (
	"encoding/json"
	"net/http"

	"backbone/internal/errs"
)

// Middleware is the shape of every middleware in this package.
type Middleware = func(http.Handler) http.Handler

// Chain composes middleware so that the first one listed is the outermost:
// Chain(a, b)(h) serves a(b(h)).
func Chain(mws ...Middleware) Middleware {
	return func(h http.Handler) http.Handler {
		for i := len(mws) - 1; i >= 0; i-- {
			h = mws[i](h)
		}
		return h
	}
}

type errorBody struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// WriteError writes a GraphQL-shaped error response:
// {"errors":[{"message":msg,"extensions":{"code":code}}]} with the code's status
// (errs.HTTPStatus).
func WriteError(w http.ResponseWriter, code errs.Code, msg string) {
	writeError(w, errs.HTTPStatus(code), code, msg)
}

func writeError(w http.ResponseWriter, status int, code errs.Code, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorBody{Errors: []errorItem{{
		Message:    msg,
		Extensions: map[string]any{"code": code},
	}}})
}
