package graph

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
)

// DocumentLimits bound what one GraphQL document may ask for. They are checked on the
// parsed document before gqlparser's validation and gqlgen's complexity walk, whose cost
// grows much faster than the document: the overlapping-fields rule compares fields and
// fragments in pairs, the validation walk goes through every fragment again for every
// operation and fragment, and the complexity walk expands every fragment spread in full.
// Counts are over all the document's operations together (validation walks them all).
type DocumentLimits struct {
	Tokens     int // lexical tokens of the whole document
	Fields     int // fields, fragment spreads expanded
	Aliases    int // aliased fields, expanded likewise
	Depth      int // nesting of fields
	RootFields int // fields at the operations' top level
	Directives int // directives, expanded likewise
	Fragments  int // fragment definitions
}

// DefaultDocumentLimits are generous for real clients: GraphiQL's introspection query
// (type references nine levels deep), far larger than the operations in the tests and the
// README, has 180 tokens, 226 fields once its fragments are expanded and a depth of 15.
// The token limit is Apollo Router's default. The field limit bounds the work of
// validation and of the cost walk, which is linear in the expanded fields; the cost limit
// (page sizes multiplied in) is separate. Validating a document at the limits takes a
// fraction of a second (BenchmarkHostileDocuments).
var DefaultDocumentLimits = DocumentLimits{
	Tokens:     15_000,
	Fields:     1_000,
	Aliases:    200,
	Depth:      20,
	RootFields: 100,
	Directives: 500,
	Fragments:  200,
}

// CodeQueryLimitExceeded is the extensions.code of a document over one of the limits;
// extensions.limit names the limit and extensions.max gives its value.
const CodeQueryLimitExceeded = "QUERY_LIMIT_EXCEEDED"

func limitExceeded(name, what string, limit int) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf("the query exceeds the limit of %d %s", limit, what),
		Extensions: map[string]any{"code": CodeQueryLimitExceeded, "limit": name, "max": limit},
	}
}

// tooManyTokens reports whether query has more than limit tokens; it stops reading at the
// first token past the limit, or at a lexical error (which the parser then reports).
func tooManyTokens(query string, limit int) bool {
	lex := lexer.New(&ast.Source{Input: query})
	for n := 0; n <= limit; n++ {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return false
		}
	}
	return true
}

// check refuses a document that exceeds a limit, naming the first one it exceeds. Every
// fragment is measured as well as the operations: validation walks them all, used or not.
func (l DocumentLimits) check(doc *ast.QueryDocument) *gqlerror.Error {
	if len(doc.Fragments) > l.Fragments {
		return limitExceeded("fragments", "fragment definitions", l.Fragments)
	}
	m := newCostMeasure(doc)
	var ops selectionCost
	for _, op := range doc.Operations {
		c := m.selectionSet(op.SelectionSet)
		c.directives = satAdd(c.directives, satAdd(len(op.Directives), variableDirectives(op.VariableDefinitions)))
		ops.add(c)
	}
	if err := l.checkCost(ops); err != nil {
		return err
	}
	if ops.top > l.RootFields {
		return limitExceeded("rootFields", "root fields", l.RootFields)
	}
	for _, f := range doc.Fragments {
		if err := l.checkCost(m.fragment(f.Name)); err != nil {
			return err
		}
	}
	return nil
}

func (l DocumentLimits) checkCost(c selectionCost) *gqlerror.Error {
	switch {
	case c.fields > l.Fields:
		return limitExceeded("fields", "fields (counted with fragments expanded)", l.Fields)
	case c.aliases > l.Aliases:
		return limitExceeded("aliases", "aliases", l.Aliases)
	case c.depth > l.Depth:
		return limitExceeded("depth", "levels of nested fields", l.Depth)
	case c.directives > l.Directives:
		return limitExceeded("directives", "directives", l.Directives)
	}
	return nil
}
