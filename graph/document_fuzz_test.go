package graph

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// fuzzMaxBytes bounds a fuzzed document: big enough for every shape of attack at a small
// scale, small enough that a slow one is the code's fault, not the input's size.
const fuzzMaxBytes = 4 << 10

// FuzzDocumentGuard feeds documents to the parse, limits and validation entry. For each:
// the memoised cost measure agrees with expanding every fragment spread in full (where
// that is feasible), and the real handler answers with nothing but client codes, at most
// maxErrors+1 errors, and no ERROR log line. Without -fuzz it runs the seeds below.
//
//	go test -run '^$' -fuzz FuzzDocumentGuard -fuzztime 60s ./graph
func FuzzDocumentGuard(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	logs := &logBuffer{}
	h := NewHandler(HandlerConfig{
		Resolver:        &Resolver{Log: slogTo(logs), Info: ServerInfo{Version: "fuzz"}},
		ComplexityLimit: 1000,
	})
	f.Fuzz(func(t *testing.T, query string) {
		if len(query) > fuzzMaxBytes {
			t.Skip("over the size bound")
		}
		if doc, err := parser.ParseQuery(&ast.Source{Input: query}); err == nil {
			compareWithFullExpansion(t, doc)
		}
		logs.Reset()
		body, _ := json.Marshal(map[string]any{"query": query})
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var r gqlResult
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
			t.Fatalf("status %d, body %.300s: %v", w.Code, w.Body, err)
		}
		if len(r.Data) > 0 && string(r.Data) != "null" || slices.ContainsFunc(r.Errors, func(e gqlError) bool { return len(e.Path) > 0 }) {
			return // it ran: resolvers without a database are not what is fuzzed here
		}
		if len(r.Errors) == 0 || len(r.Errors) > maxErrors+1 {
			t.Fatalf("%d errors", len(r.Errors))
		}
		for _, code := range r.codes() {
			if code == "" || code == "INTERNAL" {
				t.Fatalf("error codes %q: %v", r.codes(), r.Errors)
			}
		}
		if strings.Contains(logs.String(), "level=ERROR") {
			t.Fatalf("logged at ERROR:\n%s", logs)
		}
	})
}

func fuzzSeeds() []string {
	seeds := []string{
		`{ __typename }`,
		`{ serverInfo { version environment components { name mode driver } } }`,
		`query Q($a: Cursor, $n: Int = 5) { users(first: $n, after: $a) @include(if: true) { totalCount edges { cursor node { id email } } } }`,
		`mutation { login(email: "a@b.c", password: "x") { accessToken } }`,
		`subscription { notificationAdded { id kind } }`,
		`{ a: serverInfo { v: version } b: serverInfo { v: version } }`,
		`{ ... on Query { ... on Query { __typename } } }`,
		`query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }`,
		`query { ...A } fragment A on Query { ...A __typename }`,
		`query { ...Missing }`,
		`query { ...A } fragment A on Query { __typename } fragment A on Query { serverInfo { version } }`,
		`fragment Unused on Query { ...Unused2 ...Unused2 } fragment Unused2 on Query { __typename }`,
		`{ __schema { types { name } } }`,
		`{ serverInf }`,
		`{ serverInfo(a: 1, a: 2) { version @skip(if: false) @skip(if: true) } }`,
		`query A { __typename } query A { __typename } { __typename }`,
		`{ serverInfo { version } } # comment`,
		"{ \"unterminated",
		"",
		"{",
		"}}}}",
		strings.Repeat("{ a ", 25) + strings.Repeat("}", 25),
		"{" + strings.Repeat(" __typename", 300) + " }",
		"{" + strings.Repeat(" a: __typename", 250) + " }",
		doublingFragments(12),
		fragmentChain(40),
		fragmentPairs(40),
		sharedFragmentOperations(40),
		unknownArguments(300),
		introspectionQuery,
	}
	for _, s := range seeds {
		if len(s) > fuzzMaxBytes {
			panic("seed over the fuzz size bound: " + s[:40])
		}
	}
	return seeds
}

// compareWithFullExpansion checks the memoised measure against the obvious one, which
// expands every spread where it occurs, for documents whose fragments form no cycle (the
// measure counts a cycle once; validation refuses cycles) and whose expansion is small.
func compareWithFullExpansion(t *testing.T, doc *ast.QueryDocument) {
	m := newCostMeasure(doc)
	full := fullExpansion{fragments: m.fragments, budget: 100_000}
	for _, op := range doc.Operations {
		want, ok := full.selectionSet(op.SelectionSet, nil)
		if got := m.selectionSet(op.SelectionSet); ok && got != want {
			t.Fatalf("operation %q: measured %+v, expanded %+v", op.Name, got, want)
		}
	}
	for name, def := range m.fragments {
		want, ok := full.selectionSet(def.SelectionSet, []string{name})
		want.directives += len(def.Directives)
		if got := m.fragment(name); ok && got != want {
			t.Fatalf("fragment %s: measured %+v, expanded %+v", name, got, want)
		}
	}
}

// fullExpansion measures a selection set by expanding every spread in place; ok is false
// when it meets a cycle or runs out of budget.
type fullExpansion struct {
	fragments map[string]*ast.FragmentDefinition
	budget    int
}

func (e *fullExpansion) selectionSet(set ast.SelectionSet, stack []string) (c selectionCost, ok bool) {
	ok = true
	for _, sel := range set {
		if e.budget--; e.budget < 0 {
			return c, false
		}
		var child selectionCost
		var childOK bool
		switch s := sel.(type) {
		case *ast.Field:
			child, childOK = e.selectionSet(s.SelectionSet, stack)
			c.fields += 1 + child.fields
			c.aliases += child.aliases
			if s.Alias != s.Name {
				c.aliases++
			}
			c.directives += len(s.Directives) + child.directives
			c.depth = max(c.depth, child.depth+1)
			c.top++
			ok = ok && childOK
			continue
		case *ast.InlineFragment:
			child, childOK = e.selectionSet(s.SelectionSet, stack)
			child.directives += len(s.Directives)
		case *ast.FragmentSpread:
			def := e.fragments[s.Name]
			if slices.Contains(stack, s.Name) {
				return c, false
			}
			childOK = true
			if def != nil {
				child, childOK = e.selectionSet(def.SelectionSet, append(stack[:len(stack):len(stack)], s.Name))
				child.directives += len(def.Directives)
			}
			child.directives += len(s.Directives)
		}
		c.fields += child.fields
		c.aliases += child.aliases
		c.directives += child.directives
		c.top += child.top
		c.depth = max(c.depth, child.depth)
		ok = ok && childOK
	}
	return c, ok
}
