package main

import "testing"

// A NUL in a filter's text is the caller's mistake, BAD_USER_INPUT on the filter's field:
// PostgreSQL refuses it in text, which answered INTERNAL.
func TestFilterTextWithANULIsBadUserInput(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	admin := w.callers[azAdmin].Token
	for _, tc := range []struct{ op, field string }{
		{`query($s: String) { questions(first: 1, filter: {text: $s}) { totalCount } }`, "text"},
		{`query($s: String) { questions(first: 1, filter: {subject: $s}) { totalCount } }`, "subject"},
		{`query($s: String) { analytics(from: "2026-12-01T00:00:00Z", to: "2026-12-02T00:00:00Z", subject: $s) { submitted } }`, "subject"},
	} {
		if ext := w.wfFail(t, admin, "BAD_USER_INPUT", tc.op, map[string]any{"s": "Phy\x00sics"}); ext["field"] != tc.field {
			t.Errorf("%s: field %v, want %s", tc.op, ext["field"], tc.field)
		}
	}
}
