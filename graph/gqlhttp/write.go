package gqlhttp

import (
	"encoding/json"
	"net/http"
	"strconv"

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

// encode writes resp as {"errors":...,"data":...,...}.
func encode(resp *graphql.Response) ([]byte, error) {
	head, data, tail, err := encodeParts(resp)
	if err != nil {
		return nil, err
	}
	return append(append(head, data...), tail...), nil
}

// encodeParts is encode in three parts, the middle one resp.Data itself: gqlgen's output,
// compact JSON already, is written as it is, where encoding/json would check and compact
// it again (for a large response, such as a year of analytics, a quarter of its time),
// and not copied into a body of its own either.
func encodeParts(resp *graphql.Response) (head, data, tail []byte, err error) {
	rest := []byte("{}")
	if resp.Label != "" || len(resp.Path) > 0 || resp.HasNext != nil || len(resp.Extensions) > 0 {
		if rest, err = json.Marshal(wireRest{Label: resp.Label, Path: resp.Path, HasNext: resp.HasNext, Extensions: resp.Extensions}); err != nil {
			return nil, nil, nil, err
		}
	}
	head = append(make([]byte, 0, 64), '{')
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			return nil, nil, nil, err
		}
		head = append(append(head, `"errors":`...), errs...)
	}
	if len(resp.Data) > 0 {
		if len(head) > 1 {
			head = append(head, ',')
		}
		head = append(head, `"data":`...)
		data = resp.Data
	}
	tail = make([]byte, 0, len(rest)+1)
	if len(rest) > 2 { // not {}
		if len(head) > 1 {
			tail = append(tail, ',')
		}
		tail = append(tail, rest[1:len(rest)-1]...)
	}
	return head, data, append(tail, '}'), nil
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
	head, data, tail, err := encodeParts(resp)
	if err != nil {
		status = http.StatusInternalServerError
		head, data, tail = []byte(`{"errors":[{"message":"the response could not be encoded","extensions":{"code":"INTERNAL"}}]}`), nil, nil
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
	h["Content-Length"] = []string{strconv.Itoa(len(head) + len(data) + len(tail))}
	o.w.WriteHeader(status)
	for _, part := range [][]byte{head, data, tail} {
		if _, err := o.w.Write(part); err != nil {
			return // the client has gone
		}
	}
}
