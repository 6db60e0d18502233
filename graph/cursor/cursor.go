// Package cursor is the GraphQL Cursor scalar: entgql's cursor (base64 of a msgpack map
// {"i": id, "v": order value}), so that ent's pagination takes it as it is, decoded
// without trusting the sizes the input declares. Cursors are attacker input, read before
// any directive runs: entgql's own decoder allocates what a 100-byte cursor claims (a
// map of 2^31-1 entries costs ~48 MB). gqlgen.yml binds the scalar to these functions.
package cursor

import (
	"bytes"
	"encoding/base64"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"backbone/ent"
	"backbone/internal/errs"
)

// MaxLen bounds a cursor's text. The longest the API hands out holds an id and a
// 254-byte email (users ordered by email): 376 characters.
const MaxLen = 512

// MarshalCursor writes c as entgql does, so cursors handed out before and after this
// package read the same.
func MarshalCursor(c ent.Cursor) graphql.Marshaler { return c }

// UnmarshalCursor reads a cursor this API handed out. Anything else is BAD_USER_INPUT.
func UnmarshalCursor(v any) (ent.Cursor, error) {
	s, ok := v.(string)
	if !ok || len(s) > MaxLen {
		return ent.Cursor{}, invalid()
	}
	raw, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return ent.Cursor{}, invalid()
	}
	c, err := decode(raw)
	if err != nil {
		return ent.Cursor{}, invalid()
	}
	return c, nil
}

func invalid() error {
	return errs.E(errs.BadUserInput, "invalid cursor: pass a cursor this API returned")
}

// decode reads the map {"i": bin(16), "v": scalar} with msgpack's own decoder, but only
// after checking each code: every code accepted declares at most 255 bytes and no
// nested map or array, so nothing allocates more than the input's size.
func decode(raw []byte) (ent.Cursor, error) {
	var c ent.Cursor
	r := bytes.NewReader(raw)
	d := msgpack.NewDecoder(r)
	code, err := d.PeekCode()
	if err != nil {
		return c, err
	}
	if !msgpcode.IsFixedMap(code) {
		return c, errShape
	}
	n, err := d.DecodeMapLen()
	if err != nil || n < 1 || n > 2 {
		return c, errShape
	}
	var seenID, seenValue bool
	for range n {
		if code, err = d.PeekCode(); err != nil || !msgpcode.IsFixedString(code) {
			return c, errShape
		}
		key, err := d.DecodeString()
		if err != nil {
			return c, err
		}
		switch {
		case key == "i" && !seenID:
			seenID = true
			if c.ID, err = decodeID(d); err != nil {
				return c, err
			}
		case key == "v" && !seenValue:
			seenValue = true
			if c.Value, err = decodeValue(d); err != nil {
				return c, err
			}
		default:
			return c, errShape
		}
	}
	if !seenID || r.Len() != 0 {
		return c, errShape
	}
	return c, nil
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
