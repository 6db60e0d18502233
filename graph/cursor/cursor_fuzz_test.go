package cursor

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/errs"
)

// FuzzUnmarshalCursor: any text is either BAD_USER_INPUT or a cursor that entgql reads
// the same way and that the API writes back unchanged. Run longer with
// go test -fuzz FuzzUnmarshalCursor ./graph/cursor.
func FuzzUnmarshalCursor(f *testing.F) {
	id := uuid.Must(uuid.NewV7())
	for _, c := range []ent.Cursor{{ID: id}, {ID: id, Value: time.Now()}, {ID: id, Value: "a@example.com"}, {ID: id, Value: 7}} {
		f.Add(written(c))
	}
	for _, v := range hostileCursors() {
		if s, ok := v.(string); ok && len(s) <= MaxLen {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := UnmarshalCursor(inTestList, s)
		if err != nil {
			if errs.CodeOf(err) != errs.BadUserInput {
				t.Fatalf("%q: %v, want BAD_USER_INPUT", s, err)
			}
			return
		}
		// Accepted input is small and well formed, so entgql's decoder is safe to ask.
		if want, err := entgqlReads(s); err != nil || !reflect.DeepEqual(c, want) {
			t.Fatalf("%q: read %#v, entgql reads %#v (%v)", s, c, want, err)
		}
		again, err := UnmarshalCursor(inTestList, written(c))
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("%q: %#v does not read back (%#v, %v)", s, c, again, err)
		}
	})
}
