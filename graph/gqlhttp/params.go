package gqlhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"backbone/internal/errs"
)

// requestError is a request the transport refuses before gqlgen sees it; the status
// is its code's (errs.HTTPStatus).
type requestError struct {
	code errs.Code
	msg  string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{code: errs.BadRequest, msg: fmt.Sprintf(format, args...)}
}

// ReadPOST reads and checks the parameters of a POST as Do does, for a transport that
// otherwise leaves the body to gqlgen (server-sent events), at most limit bytes (0: the
// default). A refusal is an *errs.Error with the code, and so the status, Do answers.
func ReadPOST(w http.ResponseWriter, r *http.Request, limit int64) (*graphql.RawParams, *errs.Error) {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	p, rerr := readPOST(w, r, limit)
	if rerr != nil {
		return nil, errs.E(rerr.code, rerr.msg)
	}
	return p, nil
}

// readPOST checks the Content-Type and reads the body of a POST, at most limit bytes.
func readPOST(w http.ResponseWriter, r *http.Request, limit int64) (*graphql.RawParams, *requestError) {
	if rerr := checkContentType(r.Header.Get("Content-Type")); rerr != nil {
		return nil, rerr
	}
	if r.Body == nil {
		return nil, badRequest("request body is empty")
	}
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
	if err != nil {
		// The server's own body-limit middleware may have wrapped the body too.
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(mbe.Limit)
		}
		return nil, badRequest("request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badRequest("request body is empty")
	}
	return decodeParams(body, "request body")
}

// DecodeParams reads request parameters from a JSON object as a POST body's are read,
// with the same checks and messages, for another transport (a websocket's subscribe
// payload). A refusal is an *errs.Error with code BAD_REQUEST.
func DecodeParams(payload []byte) (*graphql.RawParams, *errs.Error) {
	p, rerr := decodeParams(payload, "payload")
	if rerr != nil {
		return nil, errs.E(rerr.code, rerr.msg)
	}
	return p, nil
}

// decodeParams reads the request parameters of what, a JSON object.
func decodeParams(body []byte, what string) (*graphql.RawParams, *requestError) {
	// encoding/json would quietly turn invalid bytes into U+FFFD, and the mangled text
	// would be stored; JSON must be UTF-8 (RFC 8259), so refuse it instead.
	if !utf8.Valid(body) {
		return nil, badRequest("%s is not valid UTF-8", what)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); nestsTooDeeply(err) {
		return nil, tooDeep(what)
	} else if err != nil || fields == nil {
		return nil, badRequest("%s must be a JSON object", what)
	}
	return decodeFields(fields)
}

// maxJSONDepth is how deep encoding/json reads nested arrays and objects; it refuses
// anything deeper with a syntax error.
const maxJSONDepth = 10_000

// nestsTooDeeply reports whether err is encoding/json refusing a value nested deeper than
// maxJSONDepth: well-formed JSON, whose client deserves to hear why it was refused rather
// than that it sent no object. encoding/json tells it apart by its message alone
// (TestTooDeepJSONIsSaidSo pins it).
func nestsTooDeeply(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) && strings.HasSuffix(se.Error(), "exceeded max depth")
}

func tooDeep(what string) *requestError {
	return badRequest("%s nests arrays and objects deeper than %d levels", what, maxJSONDepth)
}

// checkContentType accepts application/json, in UTF-8 if a charset is named. The two
// usual spellings are compared as they are; any other goes through the MIME parser.
func checkContentType(ct string) *requestError {
	if strings.EqualFold(ct, MediaTypeJSON) || strings.EqualFold(ct, MediaTypeJSON+"; charset=utf-8") {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != MediaTypeJSON {
		return &requestError{errs.UnsupportedMediaType,
			"Content-Type must be application/json"}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return &requestError{errs.UnsupportedMediaType,
			"charset must be utf-8"}
	}
	return nil
}

// readBody reads a body of the declared size into a buffer of that size (io.ReadAll
// starts at 512 bytes, most of them unused by a small query); an undeclared or larger
// one is read as io.ReadAll reads it. The caller bounds the size.
func readBody(rd io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > 64<<10 {
		return io.ReadAll(rd)
	}
	buf := make([]byte, 0, size+1) // one more: the end is seen without growing
	for {
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return buf, err
		case len(buf) == cap(buf): // longer than declared: read the rest as ReadAll would
			rest, err := io.ReadAll(rd)
			return append(buf, rest...), err
		}
	}
}

func tooLarge(limit int64) *requestError {
	return &requestError{errs.PayloadTooLarge,
		fmt.Sprintf("request body is larger than %d bytes", limit)}
}

// decodeFields checks the four request parameters of a POST body. Keys are matched
// exactly (encoding/json's struct decoding would also take "Query").
func decodeFields(f map[string]json.RawMessage) (*graphql.RawParams, *requestError) {
	p := &graphql.RawParams{}
	raw, hasQuery := f["query"]
	hasQuery = hasQuery && !isNull(raw)
	if hasQuery {
		if q, ok := plainString(raw); ok {
			p.Query = q
		} else if err := json.Unmarshal(raw, &p.Query); err != nil {
			return nil, badRequest("query must be a string")
		}
	}
	if raw, ok := f["operationName"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &p.OperationName); err != nil {
			return nil, badRequest("operationName must be a string or null")
		}
	}
	var err *requestError
	if p.Variables, err = decodeObject("variables", f["variables"]); err != nil {
		return nil, err
	}
	if p.Extensions, err = decodeObject("extensions", f["extensions"]); err != nil {
		return nil, err
	}
	if raw, ok := f["documentId"]; ok && !isNull(raw) {
		var id string
		if err := json.Unmarshal(raw, &id); err != nil {
			return nil, badRequest("documentId must be a string or null")
		}
		setDocumentID(p, id)
	}
	return p, checkQuery(p, hasQuery)
}

// DocumentIDExtension is where a request's documentId (GraphQL over HTTP's persisted
// documents) travels to gqlgen's extensions, which have no field for it: the key of
// graphql.RawParams.Extensions that holds it.
const DocumentIDExtension = "documentId"

func setDocumentID(p *graphql.RawParams, id string) {
	if p.Extensions == nil {
		p.Extensions = map[string]any{}
	}
	p.Extensions[DocumentIDExtension] = id
}

// readGET takes the request parameters from the URL's query component.
func readGET(r *http.Request) (*graphql.RawParams, *requestError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("query string could not be parsed")
	}
	for _, vs := range q {
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return nil, badRequest("query string is not valid UTF-8")
			}
		}
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	var rerr *requestError
	if v := q.Get("variables"); v != "" {
		if p.Variables, rerr = decodeObject("variables", json.RawMessage(v)); rerr != nil {
			return nil, rerr
		}
	}
	if v := q.Get("extensions"); v != "" {
		if p.Extensions, rerr = decodeObject("extensions", json.RawMessage(v)); rerr != nil {
			return nil, rerr
		}
	}
	if q.Has("documentId") {
		setDocumentID(p, q.Get("documentId"))
	}
	return p, checkQuery(p, q.Has("query"))
}

// decodeObject decodes a parameter that must be a JSON object or null. Numbers stay
// json.Number, as gqlgen's own transports keep them, so large integers survive.
func decodeObject(name string, raw json.RawMessage) (map[string]any, *requestError) {
	if len(raw) == 0 || isNull(raw) {
		return nil, nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); nestsTooDeeply(err) {
		return nil, tooDeep(name)
	} else if err != nil || m == nil || dec.More() {
		return nil, badRequest("%s must be a JSON object or null", name)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("%s must be a JSON object or null", name)
	}
	return m, nil
}

// checkQuery refuses a request without a query parameter, unless it names a persisted query
// or a document by id: an extension (gqlgen's APQ, the server's trusted documents) fills
// the query in.
func checkQuery(p *graphql.RawParams, present bool) *requestError {
	if present {
		return nil
	}
	for _, ext := range []string{"persistedQuery", DocumentIDExtension} {
		if _, ok := p.Extensions[ext]; ok {
			return nil
		}
	}
	return badRequest("query is missing")
}

// plainString is the text of a JSON string without escapes, read straight from the
// value that encoding/json has already checked (its UTF-8 included); ok is false for
// anything else, which json.Unmarshal then decodes.
func plainString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' || bytes.IndexByte(raw, '\\') >= 0 {
		return "", false
	}
	return string(raw[1 : len(raw)-1]), true
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}
