package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// selectionCost is what a selection set asks for once its fragment spreads are expanded.
type selectionCost struct {
	fields     int // every field, nested ones included
	aliases    int // fields whose response name differs from their name
	directives int // directives anywhere: fields, spreads, fragments, operations, variables
	depth      int // the deepest chain of nested fields
	top        int // fields at the set's own level (an operation's root fields)
}

// costCeiling is where counts stop growing: fragments that spread the next one twice
// double at every step, and 2^n overflows long before anyone could send it.
const costCeiling = 1 << 40

func satAdd(a, b int) int {
	if a > costCeiling-b {
		return costCeiling
	}
	return a + b
}

// add counts c as expanded inside a selection set at the same level (a spread or an
// inline fragment).
func (s *selectionCost) add(c selectionCost) {
	s.fields = satAdd(s.fields, c.fields)
	s.aliases = satAdd(s.aliases, c.aliases)
	s.directives = satAdd(s.directives, c.directives)
	s.top = satAdd(s.top, c.top)
	s.depth = max(s.depth, c.depth)
}

// costMeasure measures selection sets of one document. Each fragment is measured once
// and its cost reused at every spread, so the work is linear in the document however
// often fragments spread each other.
type costMeasure struct {
	fragments map[string]*ast.FragmentDefinition
	memo      map[string]selectionCost
	visiting  map[string]bool
}

func newCostMeasure(doc *ast.QueryDocument) *costMeasure {
	m := &costMeasure{
		fragments: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		memo:      make(map[string]selectionCost, len(doc.Fragments)),
		visiting:  map[string]bool{},
	}
	for _, f := range doc.Fragments {
		if _, dup := m.fragments[f.Name]; !dup { // validation refuses duplicates
			m.fragments[f.Name] = f
		}
	}
	return m
}

func (m *costMeasure) selectionSet(set ast.SelectionSet) selectionCost {
	var c selectionCost
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			child := m.selectionSet(s.SelectionSet)
			c.fields = satAdd(c.fields, satAdd(1, child.fields))
			c.aliases = satAdd(c.aliases, child.aliases)
			if s.Alias != s.Name {
				c.aliases = satAdd(c.aliases, 1)
			}
			c.directives = satAdd(c.directives, satAdd(len(s.Directives), child.directives))
			c.depth = max(c.depth, child.depth+1)
			c.top = satAdd(c.top, 1)
		case *ast.InlineFragment:
			c.add(m.selectionSet(s.SelectionSet))
			c.directives = satAdd(c.directives, len(s.Directives))
		case *ast.FragmentSpread:
			c.add(m.fragment(s.Name))
			c.directives = satAdd(c.directives, len(s.Directives))
		}
	}
	return c
}

// fragment is the expanded cost of the named fragment. An unknown fragment or one met
// again inside itself counts nothing here: validation refuses both.
func (m *costMeasure) fragment(name string) selectionCost {
	if c, ok := m.memo[name]; ok {
		return c
	}
	def := m.fragments[name]
	if def == nil || m.visiting[name] {
		return selectionCost{}
	}
	m.visiting[name] = true
	c := m.selectionSet(def.SelectionSet)
	c.directives = satAdd(c.directives, satAdd(len(def.Directives), variableDirectives(def.VariableDefinition)))
	delete(m.visiting, name)
	m.memo[name] = c
	return c
}

// variableDirectives counts the directives on variable definitions (an operation's, or a
// fragment's, which gqlparser reads too): validation reports each misplaced one, so 600
// of them built 1,200 errors when only the other places were counted.
func variableDirectives(defs ast.VariableDefinitionList) int {
	n := 0
	for _, v := range defs {
		n = satAdd(n, len(v.Directives))
	}
	return n
}
