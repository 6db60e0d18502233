package graph_test

import (
	"testing"

	"backbone/graph"
)

// TestListNamesFitACursor: a cursor names its list (Type.field of the field taking it) in
// a msgpack fixstr, which cursor.UnmarshalCursor reads: at most 31 bytes.
func TestListNamesFitACursor(t *testing.T) {
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	n := 0
	for _, typ := range s.Types {
		for _, f := range typ.Fields {
			for _, a := range f.Arguments {
				if a.Type.Name() != "Cursor" {
					continue
				}
				n++
				if name := typ.Name + "." + f.Name; len(name) > 31 {
					t.Errorf("%s takes a cursor, but its name is %d bytes long: more than a cursor holds", name, len(name))
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no field takes a cursor")
	}
}
