package jsonscalar_test

import (
	"bytes"
	"testing"

	"backbone/graph/jsonscalar"
)

func TestMarshalMapWritesNothingAfterTheObject(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"status": "APPROVED"}, `{"status":"APPROVED"}`},
		{nil, `null`},
	} {
		var b bytes.Buffer
		jsonscalar.MarshalMap(tt.in).MarshalGQL(&b)
		if b.String() != tt.want {
			t.Errorf("MarshalMap(%v) wrote %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}
