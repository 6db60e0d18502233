package graph

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"backbone/internal/errs"
)

// wantRefusal checks that r is exactly one QUERY_LIMIT_EXCEEDED error naming limit.
func wantRefusal(t *testing.T, what string, r gqlResult, limit string) {
	t.Helper()
	if len(r.Errors) != 1 || r.codes()[0] != CodeQueryLimitExceeded || r.Errors[0].Extensions["limit"] != limit {
		t.Errorf("%s: got %d errors %v %.200v, want one %s for the %s limit", what, len(r.Errors), r.codes(), r.Errors, CodeQueryLimitExceeded, limit)
		return
	}
	if _, ok := r.Errors[0].Extensions["max"].(float64); !ok {
		t.Errorf("%s: extensions.max is %v, want the limit's value", what, r.Errors[0].Extensions["max"])
	}
}

// TestHostileDocumentsAreRefusedBeforeValidation sends every hostile shape: each gets
// one QUERY_LIMIT_EXCEEDED error naming the limit it broke (without the limits, the
// small ones pass validation or fail it slowly, the fragment bombs never finish).
func TestHostileDocumentsAreRefusedBeforeValidation(t *testing.T) {
	t.Parallel()
	api := startAPI(t, HandlerConfig{})
	for _, s := range hostileShapes() {
		wantRefusal(t, s.name, api.post(t, s.query), s.limit)
	}
}

// TestHostileDocumentsAreRefusedOverHTTPAndSSE: GET and server-sent events reach the same
// limits as POST (websockets: server's TestHostileDocumentsOverWebsockets).
func TestHostileDocumentsAreRefusedOverHTTPAndSSE(t *testing.T) {
	t.Parallel()
	api := startAPI(t, HandlerConfig{})
	shapes := []hostileShape{
		{"20,000 __typename", "{" + strings.Repeat(" __typename", 20_000) + " }", "tokens"},
		{"31 doubling fragments", doublingFragments(31), "fields"},
		{"150 root fields", "{" + strings.Repeat(" __typename", 150) + " }", "rootFields"},
	}
	for _, tr := range transports {
		for _, s := range shapes {
			wantRefusal(t, tr.name+": "+s.name, tr.send(api, t, map[string]any{"query": s.query}), s.limit)
		}
	}
}

// TestDocumentsAtTheLimitsAreAccepted: the playground's introspection query, and
// documents exactly at the field and token limits, run (and the executor's own parser
// token limit agrees with the guard's count).
func TestDocumentsAtTheLimitsAreAccepted(t *testing.T) {
	t.Parallel()
	api := startAPI(t, HandlerConfig{Introspection: true})
	lim := DefaultDocumentLimits
	atFields := "{ serverInfo {" + strings.Repeat(" version", lim.Fields-1) + " } }"
	// { __typename } is 3 tokens; each comment line is one more.
	atTokens := "{ __typename }" + strings.Repeat("\n#", lim.Tokens-3)
	for what, q := range map[string]string{
		"introspection":   introspectionQuery,
		"at the fields":   atFields,
		"at the tokens":   atTokens,
		"issue's example": `{ serverInfo { version } }`,
	} {
		if r := api.post(t, q); len(r.Errors) > 0 || len(r.Data) == 0 {
			t.Errorf("%s: %v %.200s", what, r.Errors, r.Data)
		}
	}
	wantRefusal(t, "one token over", api.post(t, atTokens+"\n#"), "tokens")
}

// TestAbandonedRequestIsNotValidated: a request whose client has gone is answered
// before parsing and validation (nobody reads the answer; the CPU is saved).
func TestAbandonedRequestIsNotValidated(t *testing.T) {
	t.Parallel()
	h := NewHandler(HandlerConfig{Resolver: &Resolver{Log: discardLog()}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/query", strings.NewReader(`{"query":"{ nope }"}`))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if !strings.Contains(w.Body.String(), string(errs.Cancelled)) {
		t.Fatalf("got %s, want %s (not a validation error)", w.Body, string(errs.Cancelled))
	}
}

// TestAbandonedOperationSkipsTheComplexityWalk: the guard's check after validation.
func TestAbandonedOperationSkipsTheComplexityWalk(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	if err := (documentGuard{}).MutateOperationContext(ctx, nil); err != nil {
		t.Fatalf("live request: %v", err)
	}
	cancel()
	if err := (documentGuard{}).MutateOperationContext(ctx, nil); err == nil || err.Extensions["code"] != string(errs.Cancelled) {
		t.Fatalf("gone client: %v, want %s", err, string(errs.Cancelled))
	}
}
