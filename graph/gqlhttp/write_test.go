package gqlhttp

import (
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestEncodeCopiesDataAndLeavesOutEmptyEntries: the body has errors, then data as gqlgen
// wrote it, then the other entries, each only when present, and is valid JSON.
func TestEncodeCopiesDataAndLeavesOutEmptyEntries(t *testing.T) {
	t.Parallel()
	yes := true
	refused := gqlerror.List{{Message: "no", Extensions: map[string]any{"code": "FORBIDDEN"}}}
	tests := []struct {
		name string
		resp graphql.Response
		want string
	}{
		{"data", graphql.Response{Data: json.RawMessage(`{"a":[1,2]}`)}, `{"data":{"a":[1,2]}}`},
		{"null data and an error", graphql.Response{Data: json.RawMessage(`null`), Errors: refused},
			`{"errors":[{"message":"no","extensions":{"code":"FORBIDDEN"}}],"data":null}`},
		{"an error without data", graphql.Response{Errors: refused}, `{"errors":[{"message":"no","extensions":{"code":"FORBIDDEN"}}]}`},
		{"nothing", graphql.Response{}, `{}`},
		{"every entry", graphql.Response{Data: json.RawMessage(`{"b":"x"}`), Label: "l", Path: ast.Path{ast.PathName("q"), ast.PathIndex(0)},
			HasNext: &yes, Extensions: map[string]any{"cost": 3}},
			`{"data":{"b":"x"},"label":"l","path":["q",0],"hasNext":true,"extensions":{"cost":3}}`},
	}
	for _, tt := range tests {
		got, err := encode(&tt.resp)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(got) != tt.want || !json.Valid(got) {
			t.Errorf("%s: %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
