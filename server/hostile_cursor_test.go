package main

import (
	"strings"
	"testing"
)

// hostileCursors sends cursors that lie about their sizes, or are none, to every kind
// of field that takes one. Each is BAD_USER_INPUT (the barrage checks that nothing is
// logged as an internal error); the 11-character cursor once allocated ~48 MB
// before any directive ran, and answered INTERNAL.
func hostileCursors(t *testing.T, w *azWorld) {
	// The request, word for word: anonymous, on an admin-only field.
	status, r := w.gql(t, "", `query($a:Cursor){users(first:1,after:$a){totalCount}}`, map[string]any{"a": "gaF233////8"})
	hostileWant(t, "the issue's cursor", status, r, "BAD_USER_INPUT")

	client := w.token(azClient)
	cursors := map[string]string{
		"map32 of 2^32-1 entries": "gqFpxBAAAAAAAAAAAAAAAAAAAAAAoXbf/////w",
		"4 GB string":             "gqFpxBAAAAAAAAAAAAAAAAAAAAAAoXbb/////w",
		"not base64":              "!!!!",
		"10 KB":                   strings.Repeat("A", 10<<10),
	}
	for name, c := range cursors {
		for _, op := range []string{
			`query($a: Cursor) { myQuestions(first: 1, after: $a) { totalCount } }`,
			`query($a: Cursor) { notifications(last: 1, before: $a) { totalCount } }`,
			`query($a: Cursor) { ledgerEntries(first: 1, after: $a) { totalCount } }`,
		} {
			status, r := w.gql(t, client, op, map[string]any{"a": c})
			hostileWant(t, name+": "+firstLine(op), status, r, "BAD_USER_INPUT")
		}
	}
	// Written in the document rather than passed as a variable.
	status, r = w.gql(t, client, `{ myQuestions(first: 1, after: "gaF233////8") { totalCount } }`, nil)
	hostileWant(t, "a literal cursor", status, r, "BAD_USER_INPUT")
	// The resumable subscription reads its cursor over the websocket.
	s := lvSubscribe(t, w, client, `subscription($a: Cursor) { notificationAdded(after: $a) { id } }`, map[string]any{"a": "gaF233////8"})
	defer s.conn.Close()
	if code := s.refused(t); code != "BAD_USER_INPUT" {
		t.Errorf("notificationAdded(after:) with the issue's cursor: %s, want BAD_USER_INPUT", code)
	}
}
