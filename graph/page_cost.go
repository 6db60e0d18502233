package graph

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// pageArgs are the arguments whose value is how many nodes a connection returns.
var pageArgs = []string{"first", "last"}

// pageCosts prices every field of the schema that takes first or last, through gqlgen's
// generated ComplexityRoot: such a field costs 1 plus its page size times the cost of
// what it selects, so a page of 100 questions costs 100 times one question, as GitHub's
// GraphQL API counts nodes. The page size is first or last (the larger if both are
// given), defaultPageSize when neither is, clamped to 0..maxPageSize (a value outside is
// refused when the field runs). Every other field keeps gqlgen's default: 1 plus what it
// selects. It returns the priced fields as "Type.field".
//
// The functions are made by reflection, one per field, because their signatures differ:
// gqlgen passes the field's arguments in schema order after childComplexity.
func pageCosts(root *ComplexityRoot, schema *ast.Schema) []string {
	var priced []string
	types := reflect.ValueOf(root).Elem()
	for i := range types.NumField() {
		def := schema.Types[types.Type().Field(i).Name]
		if def == nil {
			continue
		}
		funcs := types.Field(i)
		for j := range funcs.NumField() {
			goName := funcs.Type().Field(j).Name
			field := fieldByGoName(def, goName)
			if field == nil {
				continue
			}
			positions := pageArgPositions(field)
			if len(positions) == 0 {
				continue
			}
			fn := funcs.Field(j)
			fn.Set(reflect.MakeFunc(fn.Type(), pageCostFunc(def.Name+"."+field.Name, fn.Type(), positions)))
			priced = append(priced, def.Name+"."+field.Name)
		}
	}
	return priced
}

// fieldByGoName finds the schema field gqlgen named goName (myQuestions: MyQuestions).
func fieldByGoName(def *ast.Definition, goName string) *ast.FieldDefinition {
	for _, f := range def.Fields {
		if strings.EqualFold(f.Name, goName) {
			return f
		}
	}
	return nil
}

// pageArgPositions are the indexes of field's first and last among its arguments.
func pageArgPositions(field *ast.FieldDefinition) []int {
	var at []int
	for i, a := range field.Arguments {
		for _, name := range pageArgs {
			if a.Name == name {
				at = append(at, i)
			}
		}
	}
	return at
}

var intPtr = reflect.TypeFor[*int]()

// pageCostFunc is the complexity function of one paged field. A generated signature that
// does not take *int where the schema has first or last is a programming error: it stops
// the server at start-up, where every test sees it.
func pageCostFunc(name string, typ reflect.Type, positions []int) func([]reflect.Value) []reflect.Value {
	for _, p := range positions {
		if p+1 >= typ.NumIn() || typ.In(p+1) != intPtr {
			panic(fmt.Sprintf("graph: the complexity function of %s does not take first/last as *int", name))
		}
	}
	return func(in []reflect.Value) []reflect.Value {
		size, given := 0, false
		for _, p := range positions {
			if n := in[p+1].Interface().(*int); n != nil {
				size, given = max(size, *n), true
			}
		}
		if !given {
			size = defaultPageSize
		}
		child := int(in[0].Int())
		return []reflect.Value{reflect.ValueOf(pageCost(size, child))}
	}
}

// listCosts prices the fields that return one node per id they are given, as pageCosts
// prices a page: nodes(ids:) costs 1 plus the number of ids times what it selects (at
// most maxNodes ids count: more are refused when the field runs), whether the ids are
// written in the document or passed as a variable (gqlgen hands the coerced value).
// Without it, nodes(ids:) of 100 questions would cost as much as one.
func listCosts(root *ComplexityRoot) {
	root.Query.Nodes = func(child int, ids []string) int { return countCost(len(ids), maxNodes, child) }
}

// pageCost is 1 + size × child, with size clamped to 1..maxPageSize (a page of none
// still counts what it selects once, such as totalCount), saturating rather than
// overflowing: a client must not wrap a huge cost around to a small one.
func pageCost(size, child int) int { return countCost(size, maxPageSize, child) }

// countCost is 1 + n × child, n clamped to 1..most, saturating (see pageCost).
func countCost(n, most, child int) int {
	size := min(max(n, 1), most)
	child = max(child, 0)
	if child > (math.MaxInt-1)/size {
		return math.MaxInt
	}
	return 1 + size*child
}
