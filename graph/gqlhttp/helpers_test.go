package gqlhttp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/graph/gqlhttp"
)

// newServer runs gqlgen's test schema behind the transport, with the extensions the
// real server uses: introspection, APQ, a complexity limit, an error presenter and a
// response middleware.
func newServer(tb testing.TB, tr gqlhttp.Transport, failing bool, complexity int) *httptest.Server {
	tb.Helper()
	var ts *testserver.TestServer
	if failing {
		ts = testserver.NewError()
	} else {
		ts = testserver.New()
	}
	ts.SetCalculatedComplexity(complexity)
	ts.AddTransport(tr)
	ts.Use(extension.Introspection{})
	ts.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](16)})
	ts.Use(extension.FixedComplexityLimit(5))
	ts.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		e := graphql.DefaultErrorPresenter(ctx, err)
		if e.Extensions == nil {
			e.Extensions = map[string]any{}
		}
		e.Extensions["presented"] = true
		return e
	})
	ts.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		graphql.RegisterExtension(ctx, "seen", true)
		return next(ctx)
	})
	srv := httptest.NewServer(ts)
	tb.Cleanup(srv.Close)
	return srv
}

// newHandlerServer serves h, for tests that wrap the gqlgen server in middleware.
func newHandlerServer(tb testing.TB, h func(*handler.Server) http.Handler) *httptest.Server {
	tb.Helper()
	ts := testserver.New()
	ts.AddTransport(gqlhttp.Transport{})
	srv := httptest.NewServer(h(ts.Server))
	tb.Cleanup(srv.Close)
	return srv
}

// result is what a test looks at in a response.
type result struct {
	status      int
	contentType string
	allow       string
	retryAfter  string
	hasData     bool
	data        json.RawMessage
	codes       []string
	presented   bool
	extensions  map[string]any
}

// do sends one request; body "" sends none, header values "" are left out.
func do(tb testing.TB, srv *httptest.Server, method, query string, header map[string]string, body string) result {
	tb.Helper()
	u := srv.URL + "/graphql"
	if query != "" {
		u += "?" + query
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	out := result{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), allow: res.Header.Get("Allow"),
		retryAfter: res.Header.Get("Retry-After")}
	if len(raw) == 0 {
		return out
	}
	var body2 struct {
		Data   *json.RawMessage `json:"data"`
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
		Extensions map[string]any `json:"extensions"`
	}
	if err := json.Unmarshal(raw, &body2); err != nil {
		tb.Fatalf("response is not JSON: %v: %s", err, raw)
	}
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(raw, &keys)
	_, out.hasData = keys["data"]
	if body2.Data != nil {
		out.data = *body2.Data
	}
	for _, e := range body2.Errors {
		code, _ := e.Extensions["code"].(string)
		out.codes = append(out.codes, code)
		if p, _ := e.Extensions["presented"].(bool); p {
			out.presented = true
		}
	}
	out.extensions = body2.Extensions
	return out
}

// gql encodes GET parameters.
func gql(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

const (
	jsonCT = "application/json; charset=utf-8"
	grCT   = "application/graphql-response+json; charset=utf-8"
)
