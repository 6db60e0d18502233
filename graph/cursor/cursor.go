// Package cursor is the GraphQL Cursor scalar: entgql's cursor (base64 of a msgpack map
// {"i": id, "v": order value}) with the list it was made for ({"l": "Query.payouts"}),
// decoded without trusting the sizes the input declares. Cursors are attacker input, read
// before any directive runs: entgql's own decoder allocates what a 100-byte cursor claims
// (a map of 2^31-1 entries costs ~48 MB). A cursor of another list is BAD_USER_INPUT: its
// id and value, read as a position in this list, would page from an arbitrary place
// (an auditLogs cursor in payouts, a questions cursor by price in settingsHistory).
// gqlgen.yml binds the scalar to these functions.
package cursor

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"backbone/ent"
	"backbone/internal/errs"
)

// MaxLen bounds a cursor's text. The longest the API hands out holds an id, a 254-byte
// email (users ordered by email) and its list (Query.users): 391 characters.
const MaxLen = 512

// wire is a cursor as written: entgql's fields, then the list.
type wire struct {
	ID    uuid.UUID `msgpack:"i"`
	Value ent.Value `msgpack:"v,omitempty"`
	List  string    `msgpack:"l"`
}

// sharedLists names the list of a field outside any connection that writes or reads a
// cursor: a notification's cursor is its place in notifications, and notificationAdded
// resumes after one.
var sharedLists = map[string]string{
	"Notification.cursor":            "Query.notifications",
	"Subscription.notificationAdded": "Query.notifications",
}

// ListAt names the list of the field running at ctx: the connection field that it is
// (an argument's) or is within (a cursor's), as Type.field, or its shared list. A name
// is at most 31 bytes, as decode reads it (TestListNamesFitACursor).
func ListAt(ctx context.Context) string {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Field.Field == nil || fc.Field.Definition == nil {
			continue // a list element
		}
		name := fc.Object + "." + fc.Field.Name
		if list, ok := sharedLists[name]; ok {
			return list
		}
		if strings.HasSuffix(fc.Field.Definition.Type.Name(), "Connection") {
			return name
		}
	}
	return ""
}

// MarshalCursor writes c for the list of the field being written (see ListAt).
func MarshalCursor(c ent.Cursor) graphql.ContextMarshaler { return marshaler(c) }

type marshaler ent.Cursor

func (m marshaler) MarshalGQLContext(ctx context.Context, w io.Writer) error {
	Write(w, ListAt(ctx), ent.Cursor(m))
	return nil
}

// Write writes c of list as a JSON string: for encoders that write a connection
// themselves (the question pages).
func Write(w io.Writer, list string, c ent.Cursor) {
	_, _ = w.Write([]byte{'"'})
	wc := base64.NewEncoder(base64.RawStdEncoding, w)
	_ = msgpack.NewEncoder(wc).Encode(wire{ID: c.ID, Value: c.Value, List: list})
	_ = wc.Close()
	_, _ = w.Write([]byte{'"'})
}

// UnmarshalCursor reads a cursor this API handed out for the list of the field taking
// it. Anything else is BAD_USER_INPUT.
func UnmarshalCursor(ctx context.Context, v any) (ent.Cursor, error) {
	s, ok := v.(string)
	if !ok || len(s) > MaxLen {
		return ent.Cursor{}, invalid()
	}
	raw, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return ent.Cursor{}, invalid()
	}
	c, list, err := decode(raw)
	if err != nil {
		return ent.Cursor{}, invalid()
	}
	if list != ListAt(ctx) {
		err := errs.E(errs.BadUserInput, "invalid cursor: it was made for another list")
		if pc := graphql.GetPathContext(ctx); pc != nil && pc.Field != nil {
			err = err.With("field", *pc.Field)
		}
		return ent.Cursor{}, err
	}
	return c, nil
}

func invalid() error {
	return errs.E(errs.BadUserInput, "invalid cursor: pass a cursor this API returned")
}

// decode reads the map {"i": bin(16), "v": scalar, "l": fixstr} with msgpack's own
// decoder, but only after checking each code: every code accepted declares at most 255
// bytes and no nested map or array, so nothing allocates more than the input's size.
func decode(raw []byte) (c ent.Cursor, list string, err error) {
	r := bytes.NewReader(raw)
	d := msgpack.NewDecoder(r)
	code, err := d.PeekCode()
	if err != nil {
		return c, "", err
	}
	if !msgpcode.IsFixedMap(code) {
		return c, "", errShape
	}
	n, err := d.DecodeMapLen()
	if err != nil || n < 2 || n > 3 {
		return c, "", errShape
	}
	var seenID, seenValue, seenList bool
	for range n {
		if code, err = d.PeekCode(); err != nil || !msgpcode.IsFixedString(code) {
			return c, "", errShape
		}
		key, err := d.DecodeString()
		if err != nil {
			return c, "", err
		}
		switch {
		case key == "i" && !seenID:
			seenID = true
			if c.ID, err = decodeID(d); err != nil {
				return c, "", err
			}
		case key == "v" && !seenValue:
			seenValue = true
			if c.Value, err = decodeValue(d); err != nil {
				return c, "", err
			}
		case key == "l" && !seenList:
			seenList = true
			// A fixstr: at most 31 bytes, the longest list name.
			if code, err = d.PeekCode(); err != nil || !msgpcode.IsFixedString(code) {
				return c, "", errShape
			}
			if list, err = d.DecodeString(); err != nil {
				return c, "", err
			}
		default:
			return c, "", errShape
		}
	}
	if !seenID || !seenList || r.Len() != 0 {
		return c, "", errShape
	}
	return c, list, nil
}

// decodeID reads the id: a uuid, which msgpack writes as 16 bytes of bin8.
func decodeID(d *msgpack.Decoder) (uuid.UUID, error) {
	if code, err := d.PeekCode(); err != nil || code != msgpcode.Bin8 {
		return uuid.Nil, errShape
	}
	b, err := d.DecodeBytes()
	if err != nil {
		return uuid.Nil, err
	}
	return uuid.FromBytes(b)
}

// decodeValue reads the order value: nil, a boolean, a number, a string of at most 255
// bytes (emails) or a timestamp (creation times, deadlines).
func decodeValue(d *msgpack.Decoder) (any, error) {
	code, err := d.PeekCode()
	if err != nil {
		return nil, err
	}
	switch {
	case msgpcode.IsFixedNum(code), msgpcode.IsFixedString(code):
	case code == msgpcode.Nil, code == msgpcode.False, code == msgpcode.True,
		code == msgpcode.Float, code == msgpcode.Double,
		code == msgpcode.Uint8, code == msgpcode.Uint16, code == msgpcode.Uint32, code == msgpcode.Uint64,
		code == msgpcode.Int8, code == msgpcode.Int16, code == msgpcode.Int32, code == msgpcode.Int64,
		code == msgpcode.Str8:
	case code == msgpcode.FixExt4, code == msgpcode.FixExt8, code == msgpcode.Ext8:
		// In UTC, as stored: msgpack gives the host's zone, and SQLite compares times as
		// text (a cursor's wall clock off by the host's offset).
		t, err := d.DecodeTime()
		return t.UTC(), err
	default:
		return nil, errShape
	}
	return d.DecodeInterface()
}

// errShape is any input that is not a cursor this API writes; callers answer invalid().
var errShape = errors.New("not a cursor")
