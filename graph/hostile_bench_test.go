package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

// acceptedWorstShapes are the costliest documents the limits let through to validation:
// each sits at one limit, built the way validation finds hardest.
func acceptedWorstShapes() []hostileShape {
	rep := strings.Repeat
	var pairsOfFour strings.Builder
	pairsOfFour.WriteString("{ serverInfo {")
	for i := range 200 {
		fmt.Fprintf(&pairsOfFour, " ...F%d", i)
	}
	pairsOfFour.WriteString(" } }")
	for i := range 200 {
		fmt.Fprintf(&pairsOfFour, " fragment F%d on ServerInfo{version version version version}", i)
	}
	return []hostileShape{
		{name: "1,000 fields of one name", query: "{ serverInfo {" + rep(" version", 999) + " } }"},
		{name: "500 objects of one name", query: "{ serverInfo {" + rep(" components { name }", 499) + " } }"},
		{name: "100 root fields of one name", query: "{" + rep(" __typename", 100) + " }"},
		{name: "a chain of 200 fragments", query: fragmentChain(200)},
		{name: "200 fragments compared in pairs", query: fragmentPairs(200)},
		{name: "200 fragments of 4 same fields in pairs", query: pairsOfFour.String()},
		{name: "1,000 operations sharing a fragment", query: sharedFragmentOperations(1_000)},
		{name: "4,000 unknown arguments", query: unknownArguments(4_000)},
		{name: "the introspection query", query: introspectionQuery},
	}
}

// BenchmarkHostileDocuments measures one POST of each hostile shape through the real
// handler (no network; parsing, the limits, validation, the complexity walk): the
// refused ones, and the worst the limits accept. Every parse is fresh: a refused document
// is never cached, and the query cache is off for the accepted ones.
//
//	go test -run '^$' -bench BenchmarkHostileDocuments -benchtime 20x ./graph
func BenchmarkHostileDocuments(b *testing.B) {
	for _, group := range []struct {
		name   string
		shapes []hostileShape
	}{{"refused", hostileShapes()}, {"accepted", acceptedWorstShapes()}} {
		for _, s := range group.shapes {
			b.Run(group.name+"/"+s.name, func(b *testing.B) {
				h := NewHandler(HandlerConfig{Resolver: &Resolver{Log: discardLog()}, ComplexityLimit: 1000, Introspection: true})
				h.SetQueryCache(noQueryCache{})
				body, _ := json.Marshal(map[string]any{"query": s.query})
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(string(body)))
					req.Header.Set("Content-Type", "application/json")
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if s.limit != "" && !strings.Contains(w.Body.String(), CodeQueryLimitExceeded) {
						b.Fatalf("not refused: %.300s", w.Body)
					}
				}
			})
		}
	}
}

// noQueryCache is a query cache that never hits.
type noQueryCache struct{}

func (noQueryCache) Get(context.Context, string) (*ast.QueryDocument, bool) { return nil, false }
func (noQueryCache) Add(context.Context, string, *ast.QueryDocument)        {}
