package gqlhttp_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/graph/gqlhttp"
)

func TestPersistedQueries(t *testing.T) {
	t.Parallel()
	const query = "{ name }"
	sum := sha256.Sum256([]byte(query))
	ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
	tests := []struct {
		name   string
		accept string
		get    bool
	}{
		{name: "POST graphql-response", accept: accGR},
		{name: "POST json", accept: accJSON},
		{name: "GET graphql-response", accept: accGR, get: true},
		{name: "GET json", accept: accJSON, get: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, gqlhttp.Transport{}, false, 0)
			send := func(withQuery bool) result {
				if tc.get {
					kv := []string{"extensions", ext}
					if withQuery {
						kv = append(kv, "query", query)
					}
					return do(t, srv, "GET", gql(kv...), hdr("", tc.accept), "")
				}
				body := `{"extensions":` + ext + `}`
				if withQuery {
					body = `{"query":"` + query + `","extensions":` + ext + `}`
				}
				return do(t, srv, "POST", "", hdr(ctJSON, tc.accept), body)
			}

			// A hash the server has not seen reaches the APQ extension, not a "query missing" 400.
			got := send(false)
			if !slices.Contains(got.codes, "PERSISTED_QUERY_NOT_FOUND") || got.hasData {
				t.Fatalf("unknown hash: codes %v, data %v; want PERSISTED_QUERY_NOT_FOUND without data", got.codes, got.hasData)
			}
			wantMiss := http.StatusOK
			if tc.accept == accGR {
				wantMiss = http.StatusBadRequest
			}
			if got.status != wantMiss {
				t.Fatalf("unknown hash: status %d, want %d", got.status, wantMiss)
			}
			if got = send(true); got.status != http.StatusOK || !got.hasData {
				t.Fatalf("register: status %d, data %v, codes %v", got.status, got.hasData, got.codes)
			}
			if got = send(false); got.status != http.StatusOK || !got.hasData || len(got.codes) != 0 {
				t.Fatalf("by hash: status %d, data %v, codes %v", got.status, got.hasData, got.codes)
			}
		})
	}
}

func TestExecutorHooks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		accept        string
		body          string
		wantPresented bool
	}{
		{name: "success passes response middleware", accept: accGR, body: okQuery},
		{name: "validation error passes presenter and middleware", accept: accGR, body: `{"query":"{ nope }"}`, wantPresented: true},
		{name: "parse error passes presenter and middleware for json", accept: accJSON, body: `{"query":"{"}`, wantPresented: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, gqlhttp.Transport{}, false, 0)
			got := do(t, srv, "POST", "", hdr(ctJSON, tc.accept), tc.body)
			if got.extensions["seen"] != true {
				t.Errorf("extensions = %v, want the response middleware's", got.extensions)
			}
			if got.presented != tc.wantPresented {
				t.Errorf("presented = %v, want %v", got.presented, tc.wantPresented)
			}
		})
	}
}

func TestBodyLimitMiddleware(t *testing.T) {
	t.Parallel()
	srv := newHandlerServer(t, func(s *handler.Server) http.Handler { return http.MaxBytesHandler(s, 32) })
	body := `{"query":"{ name }","extensions":{"pad":"` + strings.Repeat("x", 100) + `"}}`
	// Without Content-Length the limit shows up only while reading, as an http.MaxBytesError.
	req, err := http.NewRequest("POST", srv.URL, struct{ *strings.Reader }{strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctJSON)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413", res.StatusCode)
	}
	if got := do(t, srv, "POST", "", hdr(ctJSON, ""), okQuery); got.status != http.StatusOK {
		t.Fatalf("small body: status = %d, want 200", got.status)
	}
}

// denyAll refuses every operation before execution, as an auth check would.
type denyAll struct{ code string }

func (denyAll) ExtensionName() string                   { return "denyAll" }
func (denyAll) Validate(graphql.ExecutableSchema) error { return nil }
func (d denyAll) MutateOperationContext(context.Context, *graphql.OperationContext) *gqlerror.Error {
	return &gqlerror.Error{Message: "denied", Extensions: map[string]any{"code": d.code}}
}

func TestErrorStatus(t *testing.T) {
	t.Parallel()
	teapot := func(gqlerror.List) int { return http.StatusTeapot }
	none := func(gqlerror.List) int { return 0 }
	tests := []struct {
		name       string
		code       string
		hook       func(gqlerror.List) int
		accept     string
		wantStatus int
	}{
		{name: "UNAUTHENTICATED is 401", code: "UNAUTHENTICATED", accept: accGR, wantStatus: 401},
		{name: "FORBIDDEN is 403", code: "FORBIDDEN", accept: accGR, wantStatus: 403},
		{name: "RATE_LIMITED is 429", code: "RATE_LIMITED", accept: accGR, wantStatus: 429},
		{name: "unknown code before execution is 400", code: "SOMETHING", accept: accGR, wantStatus: 400},
		{name: "hook decides", code: "UNAUTHENTICATED", hook: teapot, accept: accGR, wantStatus: 418},
		{name: "hook returning 0 falls back to the default", code: "FORBIDDEN", hook: none, accept: accGR, wantStatus: 403},
		{name: "json stays 200", code: "UNAUTHENTICATED", hook: teapot, accept: accJSON, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := testserver.New()
			ts.AddTransport(gqlhttp.Transport{ErrorStatus: tc.hook})
			ts.Use(denyAll{code: tc.code})
			srv := httptest.NewServer(ts)
			t.Cleanup(srv.Close)
			got := do(t, srv, "POST", "", hdr(ctJSON, tc.accept), okQuery)
			if got.status != tc.wantStatus || got.hasData || !slices.Contains(got.codes, tc.code) {
				t.Fatalf("status %d, data %v, codes %v; want %d, no data, %s", got.status, got.hasData, got.codes, tc.wantStatus, tc.code)
			}
		})
	}
}
