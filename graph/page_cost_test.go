package graph

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// TestEveryPagedFieldIsPriced: each field of the schema that takes first or last has
// its page-size price, and no other field has one.
func TestEveryPagedFieldIsPriced(t *testing.T) {
	t.Parallel()
	var want []string
	for _, def := range parsedSchema.Types {
		for _, f := range def.Fields {
			for _, a := range f.Arguments {
				if a.Name == "first" || a.Name == "last" {
					want = append(want, def.Name+"."+f.Name)
					break
				}
			}
		}
	}
	var root ComplexityRoot
	got := pageCosts(&root, parsedSchema)
	slices.Sort(want)
	slices.Sort(got)
	if len(want) < 16 || !slices.Equal(got, want) {
		t.Errorf("priced %v\nwant %v", got, want)
	}
}

// TestOperationCost: what operations cost, read from the refusal of a server whose limit
// is 1 (extensions.cost), on POST, GET and server-sent events, with page sizes given
// literally, by variables, or not at all.
func TestOperationCost(t *testing.T) {
	t.Parallel()
	api := startAPI(t, HandlerConfig{ComplexityLimit: 1})
	aliases := func(n int, field string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			b.WriteString(" a" + itoa(i) + ": " + field)
		}
		return b.String() + " }"
	}
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		cost  int
	}{
		// edges, node and id cost 3 per question.
		{"first: 100", `{ myQuestions(first: 100) { edges { node { id } } } }`, nil, 1 + 100*3},
		{"last: 7", `{ myQuestions(last: 7) { edges { node { id } } } }`, nil, 1 + 7*3},
		{"first by a variable", `query($n: Int) { myQuestions(first: $n) { edges { node { id } } } }`, map[string]any{"n": 40}, 1 + 40*3},
		{"neither: the default page", `{ myQuestions { edges { node { id } } } }`, nil, 1 + defaultPageSize*3},
		{"a null variable: the default page", `query($n: Int) { myQuestions(first: $n) { edges { node { id } } } }`, map[string]any{"n": nil}, 1 + defaultPageSize*3},
		{"first and last: the larger", `{ myQuestions(first: 5, last: 9) { edges { node { id } } } }`, nil, 1 + 9*3},
		{"first: 0 still counts totalCount", `{ users(first: 0) { totalCount } }`, nil, 1 + 1},
		{"over the maximum counts the maximum", `{ users(first: 100000) { totalCount } }`, nil, 1 + maxPageSize},
		{"page info counts per node too", `{ notifications(first: 10) { totalCount pageInfo { hasNextPage } edges { cursor } } }`, nil, 1 + 10*(1+2+2)},
		{"a field without paging: 1 each", `{ serverInfo { version environment } }`, nil, 3},
		{"76 aliases of 100 questions", aliases(76, "myQuestions(first: 100) { edges { node { id } } }"), nil, 76 * 301},
		// nodes(ids:) is a page of as many nodes as ids.
		{"nodes of 3 literal ids", `{ nodes(ids: ["a", "b", "c"]) { id } }`, nil, 1 + 3*1},
		{"nodes of one id, not a list", `{ nodes(ids: "a") { id } }`, nil, 1 + 1},
		{"nodes of 100 ids by a variable", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": hundredIDs()}, 1 + 100*1},
		{"nodes of 150 ids counts the 100 allowed", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": append(hundredIDs(), hundredIDs()[:50]...)}, 1 + 100*1},
		{"99 aliases of nodes of 100 questions", `query($ids: [ID!]!) ` + aliases(99, `nodes(ids: $ids) { ... on Question { title client { displayName } revisions { body } answer { body } } }`),
			map[string]any{"ids": hundredIDs()}, 99 * (1 + 100*(1+2+2+2))},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			body := map[string]any{"query": tt.query}
			if tt.vars != nil {
				body["variables"] = tt.vars
			}
			r := tr.send(api, t, body)
			if len(r.Errors) != 1 || r.codes()[0] != CodeComplexityLimitExceeded {
				t.Errorf("%s: %s: %v, want %s", tr.name, tt.name, r.Errors, CodeComplexityLimitExceeded)
				continue
			}
			ext := r.Errors[0].Extensions
			if cost, limit := jsonInt(ext["cost"]), jsonInt(ext["limit"]); cost != tt.cost || limit != 1 {
				t.Errorf("%s: %s: cost %v limit %v, want %d and 1", tr.name, tt.name, ext["cost"], ext["limit"], tt.cost)
			}
		}
	}
}

// hundredIDs are 100 ids, as nodes(ids:) takes at most.
func hundredIDs() []any {
	ids := make([]any, 100)
	for i := range ids {
		ids[i] = "id" + itoa(i)
	}
	return ids
}

func jsonInt(v any) int {
	f, ok := v.(float64)
	if !ok {
		return -1
	}
	return int(f)
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestPageCostSaturates(t *testing.T) {
	t.Parallel()
	if got := pageCost(maxPageSize, math.MaxInt/2); got != math.MaxInt {
		t.Errorf("pageCost(100, MaxInt/2) = %d, want MaxInt", got)
	}
	if got := pageCost(-5, 3); got != 1+3 {
		t.Errorf("pageCost(-5, 3) = %d, want 4", got)
	}
}

// TestOmittedPageSizeIsTheDefault: a connection given neither first nor last returns
// the default page (the one it was charged for), not the whole table.
func TestOmittedPageSizeIsTheDefault(t *testing.T) {
	t.Parallel()
	seven := 7
	tests := []struct {
		name string
		args map[string]any
		want map[string]*int
	}{
		{"neither", map[string]any{"first": (*int)(nil), "last": (*int)(nil)}, map[string]*int{"first": ptr(defaultPageSize), "last": nil}},
		{"first", map[string]any{"first": &seven, "last": (*int)(nil)}, map[string]*int{"first": &seven, "last": nil}},
		{"last", map[string]any{"first": (*int)(nil), "last": &seven}, map[string]*int{"first": nil, "last": &seven}},
		{"first alone, not a connection: its own default", map[string]any{"first": (*int)(nil)}, map[string]*int{"first": nil}},
	}
	for _, tt := range tests {
		fc := &graphql.FieldContext{IsResolver: true, Args: tt.args}
		if err := limitPageSize(graphql.WithFieldContext(context.Background(), fc)); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		for arg, want := range tt.want {
			got := fc.Args[arg].(*int)
			if (got == nil) != (want == nil) || got != nil && *got != *want {
				t.Errorf("%s: the resolver gets %s = %v, want %v", tt.name, arg, got, want)
			}
		}
	}
}

func ptr(n int) *int { return &n }
