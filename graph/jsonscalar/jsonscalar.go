// Package jsonscalar is the GraphQL JSON scalar: gqlgen's own (graphql.Map), except that
// it writes the object without the newline json.Encoder ends a value with, which landed
// inside the response (`{"status":"APPROVED"}\n,"readAt"`). gqlgen.yml binds the scalar
// to these functions.
package jsonscalar

import (
	"encoding/json"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalMap writes val as one JSON object (null for a nil map), nothing after it.
func MarshalMap(val map[string]any) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		b, err := json.Marshal(val)
		if err != nil {
			panic(err) // as gqlgen's: the server built val, so it is a bug
		}
		_, _ = w.Write(b)
	})
}

// UnmarshalMap reads a JSON object, as gqlgen does.
func UnmarshalMap(v any) (map[string]any, error) { return graphql.UnmarshalMap(v) }
