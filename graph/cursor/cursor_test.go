package cursor

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"backbone/ent"
	"backbone/internal/errs"
)

// testList is the list the tests' cursors are written for and read in.
const testList = "Query.things"

// written is c as the API writes it for testList (without the quotes of the JSON string).
func written(c ent.Cursor) string { return writtenFor(testList, c) }

func writtenFor(list string, c ent.Cursor) string {
	var b bytes.Buffer
	Write(&b, list, c)
	return strings.Trim(b.String(), `"`)
}

// inField is a context of the field typ.name returning result, reading the argument arg.
func inField(typ, name, result, arg string) context.Context {
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Object: typ,
		Field: graphql.CollectedField{Field: &ast.Field{Name: name, Definition: &ast.FieldDefinition{Name: name, Type: ast.NonNullNamedType(result, nil)}}}})
	return graphql.WithPathContext(ctx, graphql.NewPathWithField(arg))
}

// inTestList is the context of an argument of testList.
var inTestList = inField("Query", "things", "ThingConnection", "after")

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
		got, err := UnmarshalCursor(inTestList, s)
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
		if _, err := UnmarshalCursor(inTestList, v); errs.CodeOf(err) != errs.BadUserInput {
			t.Errorf("%s: %v, want BAD_USER_INPUT", name, err)
		}
		if s, ok := v.(string); ok && len(s) > 1<<10 {
			continue // decoding never starts; the input itself is what weighs
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range runs {
			_, _ = UnmarshalCursor(inTestList, v)
		}
		runtime.ReadMemStats(&after)
		// A generous bound: the decoder's own buffers are a few hundred bytes.
		if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 16<<10 {
			t.Errorf("%s: %s bytes allocated per decode", name, strconv.FormatUint(per, 10))
		}
	}
}

// TestACursorOfAnotherListIsRefused: a cursor reads only in the list it was written for,
// naming the argument; one written before cursors named their list (entgql's own) reads
// in none.
func TestACursorOfAnotherListIsRefused(t *testing.T) {
	c := ent.Cursor{ID: uuid.Must(uuid.NewV7()), Value: time.Now()}
	payouts := inField("Query", "payouts", "PayoutConnection", "before")
	_, err := UnmarshalCursor(payouts, writtenFor("Query.auditLogs", c))
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.BadUserInput || e.Extensions["field"] != "before" {
		t.Errorf("an auditLogs cursor in payouts: %v, want BAD_USER_INPUT on before", err)
	}
	if _, err := UnmarshalCursor(payouts, writtenFor("Query.payouts", c)); err != nil {
		t.Errorf("a payouts cursor in payouts: %v", err)
	}
	var b bytes.Buffer
	c.MarshalGQL(&b)
	if _, err := UnmarshalCursor(inTestList, strings.Trim(b.String(), `"`)); errs.CodeOf(err) != errs.BadUserInput {
		t.Errorf("a cursor without a list: %v, want BAD_USER_INPUT", err)
	}
}

// TestListAt: a cursor field within a connection, and the connection's argument, name the
// connection field; a notification's cursor and notificationAdded name notifications.
func TestListAt(t *testing.T) {
	within := func(ctx context.Context, typ, name, result string) context.Context {
		return graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: typ,
			Field: graphql.CollectedField{Field: &ast.Field{Name: name, Definition: &ast.FieldDefinition{Name: name, Type: ast.NamedType(result, nil)}}}})
	}
	element := func(ctx context.Context) context.Context {
		i := 0
		return graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
	}
	payouts := within(context.Background(), "Query", "payouts", "PayoutConnection")
	for name, c := range map[string]struct {
		ctx  context.Context
		want string
	}{
		"argument":          {payouts, "Query.payouts"},
		"edge cursor":       {within(element(within(payouts, "PayoutConnection", "edges", "PayoutEdge")), "PayoutEdge", "cursor", "Cursor"), "Query.payouts"},
		"page info":         {within(within(payouts, "PayoutConnection", "pageInfo", "PageInfo"), "PageInfo", "endCursor", "Cursor"), "Query.payouts"},
		"notification":      {within(within(context.Background(), "Query", "node", "Node"), "Notification", "cursor", "Cursor"), "Query.notifications"},
		"notificationAdded": {within(context.Background(), "Subscription", "notificationAdded", "Notification"), "Query.notifications"},
		"no field":          {context.Background(), ""},
	} {
		if got := ListAt(c.ctx); got != c.want {
			t.Errorf("%s: ListAt = %q, want %q", name, got, c.want)
		}
	}
}
