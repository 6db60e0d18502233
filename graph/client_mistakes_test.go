package graph

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// suggestionBaits are mistakes that gqlparser answers with a "Did you mean" naming part
// of the schema: a field, an argument, a type, an enum value, an input field.
var suggestionBaits = map[string]string{
	"field":       `{ serverInf { version } }`,
	"argument":    `{ users(firs: 1) { totalCount } }`,
	"type":        `query { ...F } fragment F on Quer { __typename }`,
	"enum value":  `{ payouts(status: PENDIN) { totalCount } }`,
	"input field": `{ users(filter: {serch: "a"}) { totalCount } }`,
}

// TestNoSuggestionsUnlessTheSchemaIsPublic: without suggestions (production, or
// introspection off), neither POST, GET nor SSE answers a mistake with a hint at the
// schema (websockets: server's TestHostileDocumentsOverWebsockets); with them, each bait
// does get one (so the baits are good).
func TestNoSuggestionsUnlessTheSchemaIsPublic(t *testing.T) {
	t.Parallel()
	hidden := startAPI(t, HandlerConfig{})
	public := startAPI(t, HandlerConfig{Introspection: true, Suggestions: true})
	for what, q := range suggestionBaits {
		if r := public.post(t, q); len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "Did you mean") {
			t.Errorf("%s with suggestions: %v, want a suggestion", what, r.Errors)
		}
		for _, tr := range transports {
			r := tr.send(hidden, t, map[string]any{"query": q})
			if len(r.Errors) == 0 || r.codes()[0] != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("%s over %s: %v, want a validation error", what, tr.name, r.Errors)
			}
			for _, e := range r.Errors {
				if strings.Contains(e.Message, "Did you mean") {
					t.Errorf("%s over %s: %q", what, tr.name, e.Message)
				}
			}
		}
	}
}

// TestClientMistakesGetClientCodesAndNoErrorLog: introspection while it is off (also
// through fragments), a document over a limit and an invalid one each get a client code
// over POST, GET and SSE, and nothing is logged at ERROR (anyone could flood the log and its
// alerts). Without the introspection check, gqlgen's resolver fails with INTERNAL.
func TestClientMistakesGetClientCodesAndNoErrorLog(t *testing.T) {
	t.Parallel()
	api := startAPI(t, HandlerConfig{})
	mistakes := []struct{ query, code string }{
		{`{ __schema { queryType { name } } }`, "GRAPHQL_VALIDATION_FAILED"},
		{`{ __type(name: "User") { name } }`, "GRAPHQL_VALIDATION_FAILED"},
		{`{ x: __schema { types { name } } }`, "GRAPHQL_VALIDATION_FAILED"},
		{`query { ...F } fragment F on Query { ... on Query { __type(name: "User") { name } } }`, "GRAPHQL_VALIDATION_FAILED"},
		{`{ serverInf }`, "GRAPHQL_VALIDATION_FAILED"},
		{doublingFragments(31), CodeQueryLimitExceeded},
	}
	// A Time gqlgen cannot read, as a literal or a variable (gqlparser checks neither: it
	// is a custom scalar). gqlgen's error had no code: INTERNAL and a line at ERROR.
	timeArgs := []map[string]any{
		{"query": `{ analytics(from: "yesterday", to: "2026-12-01T00:00:00Z") { submitted } }`},
		{"query": `{ analytics(from: 12, to: "2026-12-01T00:00:00Z") { submitted } }`},
		{"query": `query($f: Time!) { analytics(from: $f, to: "2026-12-01T00:00:00Z") { submitted } }`, "variables": map[string]any{"f": "2026-02-30T00:00:00Z"}},
	}
	for _, tr := range transports {
		for _, body := range timeArgs {
			r := tr.send(api, t, body)
			if len(r.Errors) != 1 || r.codes()[0] != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "RFC 3339") {
				t.Errorf("%s: %v: %s %v, want one BAD_USER_INPUT", tr.name, body, r.Data, r.Errors)
			}
		}
		for _, m := range mistakes {
			r := tr.send(api, t, map[string]any{"query": m.query})
			if len(r.Errors) != 1 || r.codes()[0] != m.code || len(r.Data) > 0 && string(r.Data) != "null" {
				t.Errorf("%s: %.60s: %s %v, want one %s", tr.name, m.query, r.Data, r.Errors, m.code)
			}
		}
	}
	// Two operations and no operationName: gqlgen says "operation  not found".
	for _, tr := range transports {
		r := tr.send(api, t, map[string]any{"query": `query A { __typename } query B { __typename }`})
		if len(r.Errors) != 1 || r.codes()[0] != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.Errors[0].Message, "operationName is required") {
			t.Errorf("%s: two operations, no operationName: %v", tr.name, r.Errors)
		}
	}
	if r := api.post(t, `{ __typename serverInfo { version } }`); len(r.Errors) > 0 {
		t.Errorf("an ordinary query with introspection off: %v", r.Errors)
	}
	if logs := api.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("client mistakes were logged at ERROR:\n%s", logs)
	}
}

// TestIntrospectionStillWorksWhenOn is the other side of the check.
func TestIntrospectionStillWorksWhenOn(t *testing.T) {
	t.Parallel()
	api := startAPI(t, HandlerConfig{Introspection: true})
	if r := api.post(t, `query { ...F } fragment F on Query { __schema { queryType { name } } }`); len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"Query"`) {
		t.Fatalf("%s %v", r.Data, r.Errors)
	}
}

// TestErrorListIsCapped: 4,000 unknown arguments (under the token limit) answer with 100
// errors and one saying how many more there were, over POST, GET and SSE, not 4,000.
func TestErrorListIsCapped(t *testing.T) {
	t.Parallel()
	api := startAPI(t, HandlerConfig{})
	q := unknownArguments(4_000)
	for _, tr := range transports {
		r := tr.send(api, t, map[string]any{"query": q})
		if len(r.Errors) != maxErrors+1 {
			t.Errorf("%s: %d errors, want %d", tr.name, len(r.Errors), maxErrors+1)
			continue
		}
		last := r.Errors[maxErrors]
		if r.codes()[0] != "GRAPHQL_VALIDATION_FAILED" || last.Extensions["code"] != CodeErrorsOmitted ||
			last.Extensions["omitted"] != float64(4_000-maxErrors) || !strings.Contains(last.Message, fmt.Sprint(4_000-maxErrors)) {
			t.Errorf("%s: first %v, last %+v", tr.name, r.Errors[0], last)
		}
	}
}

// TestRequestErrorMessagesAreBounded: a parse error quotes the offending token; a
// 100,000-byte name is not echoed whole.
func TestRequestErrorMessagesAreBounded(t *testing.T) {
	t.Parallel()
	api := startAPI(t, HandlerConfig{})
	r := api.post(t, "{ serverInfo } "+strings.Repeat("x", 100_000))
	if len(r.Errors) != 1 || r.codes()[0] != "GRAPHQL_PARSE_FAILED" || len(r.Errors[0].Message) > maxMessageBytes+len("…") {
		t.Fatalf("%v, %d bytes", r.codes(), len(r.Errors[0].Message))
	}
	if !strings.HasPrefix(r.Errors[0].Message, "Unexpected") {
		t.Fatalf("message %.100q", r.Errors[0].Message)
	}
	if m := truncateMessage("x" + strings.Repeat("é", maxMessageBytes)); !utf8.ValidString(m) || len(m) > maxMessageBytes+len("…") {
		t.Fatalf("cut inside a character, or too long: %d bytes", len(m))
	}
}
