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

// wireRest is what follows errors and data in a response, each entry left out when empty.
// The data entry is left out when there is no data: the spec requires no data entry on a
// request error, and gqlgen's type writes "data":null.
type wireRest struct {
	Label      string         `json:"label,omitempty"`
	Path       ast.Path       `json:"path,omitempty"`
	HasNext    *bool          `json:"hasNext,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// encode writes resp as {"errors":...,"data":...,...}. The data is gqlgen's output, compact
// JSON already: it is copied as it is, where encoding/json would check and compact it
// again (for a large response, such as a year of analytics, a quarter of its time).
func encode(resp *graphql.Response) ([]byte, error) {
	rest := []byte("{}")
	if resp.Label != "" || len(resp.Path) > 0 || resp.HasNext != nil || len(resp.Extensions) > 0 {
		var err error
		if rest, err = json.Marshal(wireRest{Label: resp.Label, Path: resp.Path, HasNext: resp.HasNext, Extensions: resp.Extensions}); err != nil {
			return nil, err
		}
	}
	body := make([]byte, 0, len(resp.Data)+len(rest)+64)
	body = append(body, '{')
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			return nil, err
		}
		body = append(append(body, `"errors":`...), errs...)
	}
	if len(resp.Data) > 0 {
		if len(body) > 1 {
			body = append(body, ',')
		}
		body = append(append(body, `"data":`...), resp.Data...)
	}
	if len(rest) > 2 { // not {}
		if len(body) > 1 {
			body = append(body, ',')
		}
		body = append(body, rest[1:len(rest)-1]...)
	}
	return append(body, '}'), nil
}

// contentTypes are the Content-Type values of the two media types, made once.
var contentTypes = map[string][]string{
	MediaTypeJSON:            {MediaTypeJSON + "; charset=utf-8"},
	MediaTypeGraphQLResponse: {MediaTypeGraphQLResponse + "; charset=utf-8"},
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
	body, err := encode(resp)
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
	if v, ok := contentTypes[o.mediaType]; ok {
		h["Content-Type"] = v[:1:1] // shared: replaced or copied, never written in place
	} else {
		h.Set("Content-Type", o.mediaType+"; charset=utf-8")
	}
	o.w.WriteHeader(status)
	_, _ = o.w.Write(body)
}
