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

// A search matches letters outside ASCII in any case on both databases (SQLite's LOWER
// folded ASCII only, and the term is lowered in Go: "Ömer" found nothing, even as typed).
func TestSearchFoldsLettersOutsideASCII(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, w *azWorld) {
		w.mustGQL(t, w.callers[azClient].Token, `mutation { updateProfile(input: {displayName: "Ömer Élan"}) { displayName } }`, nil, &struct{}{})
		for _, term := range []string{"Ömer", "ömer", "ÖMER", "élan"} {
			var out struct{ Users struct{ TotalCount int } }
			w.mustGQL(t, w.callers[azAdmin].Token, `query($s: String) { users(filter: {search: $s}) { totalCount } }`, map[string]any{"s": term}, &out)
			if out.Users.TotalCount != 1 {
				t.Errorf("search %q: %d users, want 1", term, out.Users.TotalCount)
			}
		}
	})
}
