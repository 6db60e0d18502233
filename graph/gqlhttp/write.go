package gqlhttp

import (
	"encoding/json"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/internal/errs"
)

// DefaultErrorStatus returns the status of the first error whose extensions.code has one
// (errs.HTTPStatus: UNAUTHENTICATED 401, FORBIDDEN 403, RATE_LIMITED 429, UNAVAILABLE
// 503, INTERNAL 500...), or 0 when none has.
func DefaultErrorStatus(list gqlerror.List) int {
	for _, e := range list {
		if code, ok := e.Extensions["code"].(string); ok {
			if s := errs.HTTPStatus(errs.Code(code)); s != 0 {
				return s
			}
		}
	}
	return 0
}

// wireResponse is graphql.Response with the data entry left out when there is no data:
// the spec requires no data entry on a request error, and gqlgen's type writes "data":null.
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Label      string          `json:"label,omitempty"`
	Path       ast.Path        `json:"path,omitempty"`
	HasNext    *bool           `json:"hasNext,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// responder writes responses in the negotiated media type.
type responder struct {
	w         http.ResponseWriter
	mediaType string
	headers   http.Header
}

// refuse answers a request refused before gqlgen saw it.
func (o responder) refuse(e *requestError) {
	o.write(errs.HTTPStatus(e.code), &graphql.Response{Errors: gqlerror.List{{
		Message: e.msg, Extensions: map[string]any{"code": string(e.code)},
	}}})
}

func (o responder) write(status int, resp *graphql.Response) {
	body, err := json.Marshal(wireResponse{
		Errors: resp.Errors, Data: resp.Data, Label: resp.Label,
		Path: resp.Path, HasNext: resp.HasNext, Extensions: resp.Extensions,
	})
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"errors":[{"message":"the response could not be encoded","extensions":{"code":"INTERNAL"}}]}`)
	}
	h := o.w.Header()
	for k, vs := range o.headers {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Set("Content-Type", o.mediaType+"; charset=utf-8")
	o.w.WriteHeader(status)
	_, _ = o.w.Write(body)
}
