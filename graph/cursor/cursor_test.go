package cursor

import (
	"bytes"
	"encoding/base64"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/errs"
)

// written is c as the API writes it (without the quotes of the JSON string).
func written(c ent.Cursor) string {
	var b bytes.Buffer
	MarshalCursor(c).MarshalGQL(&b)
	return strings.Trim(b.String(), `"`)
}

// entgqlReads decodes s with entgql's own decoder, the reference for what a cursor means.
func entgqlReads(s string) (ent.Cursor, error) {
	var c ent.Cursor
	err := c.UnmarshalGQL(s)
	if t, ok := c.Value.(time.Time); ok {
		c.Value = t.UTC() // the same instant; UnmarshalCursor gives it in UTC, as stored
	}
	return c, err
}

// TestUnmarshalCursorReadsWhatTheAPIWrites: every kind of cursor the API hands out
// (notifications' id-only cursors, creation times, deadlines, emails) reads back as
// entgql reads it, so ent's pagination and existing clients' cursors keep working.
func TestUnmarshalCursorReadsWhatTheAPIWrites(t *testing.T) {
	id := uuid.Must(uuid.NewV7())
	for name, c := range map[string]ent.Cursor{
		"id only":               {ID: id},
		"creation time":         {ID: id, Value: time.Now()},
		"whole second":          {ID: id, Value: time.Unix(1_700_000_000, 0)},
		"far future deadline":   {ID: id, Value: time.Date(2500, 1, 2, 3, 4, 5, 6, time.UTC)},
		"longest email":         {ID: id, Value: strings.Repeat("a", 240) + "@example.com"},
		"number":                {ID: id, Value: int64(-1 << 40)},
		"nil id and empty text": {Value: ""},
	} {
		s := written(c)
		got, err := UnmarshalCursor(s)
		if err != nil {
			t.Errorf("%s: %q: %v", name, s, err)
			continue
		}
		want, err := entgqlReads(s)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read %#v, entgql reads %#v (%v)", name, got, want, err)
		}
		if len(s) > MaxLen {
			t.Errorf("%s: the API writes %d characters, more than MaxLen", name, len(s))
		}
	}
}

// hostileCursors are inputs that lie about their sizes, or are no cursor at all.
func hostileCursors() map[string]any {
	b64 := func(b ...byte) string { return base64.RawStdEncoding.EncodeToString(b) }
	id := append([]byte{0x82, 0xa1, 'i', 0xc4, 16}, make([]byte, 16)...)
	withValue := func(v ...byte) string { return b64(append(append(append([]byte{}, id...), 0xa1, 'v'), v...)...) }
	return map[string]any{
		"value claims a map of 2^31-1 entries (the issue's)": "gaF233////8",
		"value claims a map32 of 2^32-1 entries":             withValue(0xdf, 0xff, 0xff, 0xff, 0xff),
		"value claims an array of 2^32-1 items":              withValue(0xdd, 0xff, 0xff, 0xff, 0xff),
		"value claims a 4 GB string":                         withValue(0xdb, 0xff, 0xff, 0xff, 0xff),
		"value claims 4 GB of bytes":                         withValue(0xc6, 0xff, 0xff, 0xff, 0xff),
		"value claims a 4 GB extension":                      withValue(0xc9, 0xff, 0xff, 0xff, 0xff, 0xff),
		"value is a nested map":                              withValue(0x81, 0xa1, 'x', 0x01),
		"value is an unknown extension":                      withValue(0xd7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8),
		"id claims 4 GB of bytes":                            b64(0x81, 0xa1, 'i', 0xc6, 0xff, 0xff, 0xff, 0xff),
		"id of 15 bytes":                                     b64(append([]byte{0x81, 0xa1, 'i', 0xc4, 15}, make([]byte, 15)...)...),
		"key claims a 4 GB string":                           b64(0x81, 0xdb, 0xff, 0xff, 0xff, 0xff),
		"map16 of 65535 entries":                             b64(0xde, 0xff, 0xff),
		"no id":                                              b64(0x81, 0xa1, 'v', 0x01),
		"twice the id":                                       b64(append(append([]byte{0x82}, id[1:]...), id[1:]...)...),
		"unknown key":                                        b64(append(append([]byte{}, id...), 0xa1, 'x', 0x01)...),
		"trailing bytes":                                     withValue(0x01, 0x00),
		"truncated":                                          withValue(0xd9, 0x10, 'a'),
		"empty":                                              "",
		"not base64":                                         "!!!!",
		"padded base64":                                      base64.StdEncoding.EncodeToString([]byte{0x81, 0xa1, 'i'}),
		"too long":                                           strings.Repeat("A", MaxLen+4),
		"1 MB":                                               strings.Repeat("A", 1<<20),
		"a number":                                           42,
		"an object":                                          map[string]any{"i": "x"},
		"null":                                               nil,
	}
}

// TestUnmarshalCursorRefusesHostileInputCheaply: each hostile cursor is BAD_USER_INPUT
// and costs a few kilobytes at most, whatever sizes it declares (entgql's decoder
// allocates ~48 MB for the 11-character cursor).
func TestUnmarshalCursorRefusesHostileInputCheaply(t *testing.T) {
	const runs = 20
	for name, v := range hostileCursors() {
		if _, err := UnmarshalCursor(v); errs.CodeOf(err) != errs.BadUserInput {
			t.Errorf("%s: %v, want BAD_USER_INPUT", name, err)
		}
		if s, ok := v.(string); ok && len(s) > 1<<10 {
			continue // decoding never starts; the input itself is what weighs
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range runs {
			_, _ = UnmarshalCursor(v)
		}
		runtime.ReadMemStats(&after)
		// A generous bound: the decoder's own buffers are a few hundred bytes.
		if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 16<<10 {
			t.Errorf("%s: %s bytes allocated per decode", name, strconv.FormatUint(per, 10))
		}
	}
}
