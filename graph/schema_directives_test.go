package graph_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"backbone/graph"
)

// accessDirectives are the directives that say who may call a root field; each root field
// declares exactly one of them.
var accessDirectives = []string{"public", "auth", "hasRole"}

// accessViolations lists every field of Query, Mutation and Subscription that declares
// none of the access directives, or more than one.
func accessViolations(s *ast.Schema) []string {
	var out []string
	for _, root := range []*ast.Definition{s.Query, s.Mutation, s.Subscription} {
		if root == nil {
			continue
		}
		for _, f := range root.Fields {
			if isIntrospectionField(f.Name) {
				continue
			}
			var found []string
			for _, d := range f.Directives {
				if slices.Contains(accessDirectives, d.Name) {
					found = append(found, "@"+d.Name)
				}
			}
			switch len(found) {
			case 0:
				out = append(out, fmt.Sprintf("%s.%s declares none of @public, @auth, @hasRole", root.Name, f.Name))
			case 1:
			default:
				out = append(out, fmt.Sprintf("%s.%s declares %v; pick one", root.Name, f.Name, found))
			}
		}
	}
	return out
}

// isIntrospectionField reports the fields gqlparser adds to Query itself.
func isIntrospectionField(name string) bool {
	return name == "__schema" || name == "__type" || name == "__typename"
}

func TestEveryRootFieldDeclaresWhoMayCallIt(t *testing.T) {
	t.Parallel()
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	if s.Query == nil || len(s.Query.Fields) == 0 {
		t.Fatal("the executable schema has no Query fields")
	}
	for _, v := range accessViolations(s) {
		t.Error(v)
	}
}

// TestPagedFieldsDeclareAnAccessDirective: the access directives are where page sizes are
// bounded and defaulted (graph's limitPageSize), so a field taking first or last without
// one would run unbounded.
func TestPagedFieldsDeclareAnAccessDirective(t *testing.T) {
	t.Parallel()
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	paged := 0
	for _, def := range s.Types {
		for _, f := range def.Fields {
			if f.Arguments.ForName("first") == nil && f.Arguments.ForName("last") == nil {
				continue
			}
			paged++
			if !slices.ContainsFunc(f.Directives, func(d *ast.Directive) bool { return slices.Contains(accessDirectives, d.Name) }) {
				t.Errorf("%s.%s takes first or last but declares none of @public, @auth, @hasRole", def.Name, f.Name)
			}
		}
	}
	if paged == 0 {
		t.Fatal("no field of the schema takes first or last")
	}
}

func TestAccessCheckCatchesMissingAndConflictingDirectives(t *testing.T) {
	t.Parallel()
	const header = `
directive @public on FIELD_DEFINITION
directive @auth on FIELD_DEFINITION
directive @hasRole(roles: [String!]!) on FIELD_DEFINITION
`
	tests := []struct {
		name   string
		schema string
		want   []string
	}{
		{
			name:   "every field declares one directive",
			schema: `type Query { a: Int @public b: Int @auth } type Mutation { c: Int @hasRole(roles: ["ADMIN"]) }`,
		},
		{
			name:   "query field without a directive",
			schema: `type Query { a: Int @public leak: Int }`,
			want:   []string{"Query.leak declares none of @public, @auth, @hasRole"},
		},
		{
			name:   "mutation field without a directive",
			schema: `type Query { a: Int @public } type Mutation { leak: Int }`,
			want:   []string{"Mutation.leak declares none of @public, @auth, @hasRole"},
		},
		{
			name:   "subscription field without a directive",
			schema: `type Query { a: Int @public } type Subscription { leak: Int }`,
			want:   []string{"Subscription.leak declares none of @public, @auth, @hasRole"},
		},
		{
			name:   "field with two directives",
			schema: `type Query { both: Int @public @auth }`,
			want:   []string{"Query.both declares [@public @auth]; pick one"},
		},
		{
			name:   "directives on other types are not required",
			schema: `type Query { a: T @auth } type T { plain: Int }`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := gqlparser.LoadSchema(&ast.Source{Name: "test.graphql", Input: header + tt.schema})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := accessViolations(s); !slices.Equal(got, tt.want) {
				t.Errorf("violations = %q, want %q", got, tt.want)
			}
		})
	}
}
