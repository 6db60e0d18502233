package main

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"testing"

	"backbone/internal/testenv"
)

// TestConnectionsSliceByAfterAndBeforeAsRelayDoes: after keeps what comes after its
// cursor and before what comes before, with first or last, together or alone, in either
// order (users oldest first, auditLogs newest first), on both databases. ent's pager
// compared both cursors by the read direction, so first with before and last with after
// read the wrong side; a bare before read the list's beginning.
func TestConnectionsSliceByAfterAndBeforeAsRelayDoes(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, w *azWorld) {
		admin := w.callers[azAdmin].Token
		for range 3 {
			w.register(t, false)
		}
		for _, field := range []string{"users", "auditLogs"} {
			list, cursors := relayPage(t, w, admin, field, "first: 100")
			if len(list) < 6 {
				t.Fatalf("%s: only %d nodes", field, len(list))
			}
			n := len(list)
			c := func(i int) string { return fmt.Sprintf("%q", cursors[i]) }
			for _, tc := range []struct {
				args string
				want []string
			}{
				{"before: " + c(3), list[:3]},
				{"first: 2, before: " + c(3), list[:2]},
				{"last: 2, before: " + c(3), list[1:3]},
				{"after: " + c(1), list[2:min(n, 22)]},
				{"first: 2, after: " + c(1), list[2:4]},
				{"last: 2, after: " + c(1), list[n-2:]},
				{"first: 10, after: " + c(1) + ", before: " + c(4), list[2:4]},
				{"last: 10, after: " + c(1) + ", before: " + c(4), list[2:4]},
				{"first: 1, after: " + c(1) + ", before: " + c(4), list[2:3]},
				{"last: 1, after: " + c(1) + ", before: " + c(4), list[3:4]},
				{"after: " + c(3) + ", before: " + c(1), []string{}},
			} {
				if got, _ := relayPage(t, w, admin, field, tc.args); !slices.Equal(got, tc.want) {
					t.Errorf("%s(%s): %v, want %v", field, tc.args, got, tc.want)
				}
			}
		}
	})
}

// relayPage reads one page of field (a connection of nodes with ids) with args: the
// ids in order, and their cursors.
func relayPage(t *testing.T, w *azWorld, token, field, args string) (ids, cursors []string) {
	t.Helper()
	var out map[string]struct {
		Edges []struct {
			Cursor string
			Node   struct{ ID string }
		}
	}
	w.mustGQL(t, token, fmt.Sprintf(`{ %s(%s) { edges { cursor node { id } } } }`, field, args), nil, &out)
	ids, cursors = []string{}, []string{}
	for _, e := range out[field].Edges {
		ids = append(ids, e.Node.ID)
		cursors = append(cursors, e.Cursor)
	}
	return ids, cursors
}

// A cursor made for another order of a list (the questions by price, then by creation
// time) is BAD_USER_INPUT naming the argument, on both databases: it reached the
// database, which answered INTERNAL on PostgreSQL and compared across types on SQLite.
func TestACursorOfAnotherOrderIsBadUserInput(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, w *azWorld) {
		client, admin := w.callers[azClient], w.callers[azAdmin].Token
		w.qfSubmit(t, client)
		var byPrice struct {
			Questions struct{ Edges []struct{ Cursor string } }
		}
		w.mustGQL(t, admin, `{ questions(first: 1, orderBy: {field: PRICE}) { edges { cursor } } }`, nil, &byPrice)
		cursor := byPrice.Questions.Edges[0].Cursor
		for _, tc := range []struct{ token, op, field string }{
			{admin, `query($c: Cursor) { questions(first: 2, after: $c) { pageInfo { hasNextPage } } }`, "after"},
			{admin, `query($c: Cursor) { questions(last: 2, before: $c, orderBy: {field: DEADLINE}) { edges { cursor } } }`, "before"},
			{client.Token, `query($c: Cursor) { myQuestions(first: 2, after: $c) { edges { cursor } } }`, "after"},
			{admin, `query($c: Cursor) { users(first: 2, before: $c) { edges { cursor } } }`, "before"},
		} {
			if ext := w.wfFail(t, tc.token, "BAD_USER_INPUT", tc.op, map[string]any{"c": cursor}); ext["field"] != tc.field {
				t.Errorf("%s: field %v, want %s", tc.op, ext["field"], tc.field)
			}
		}
		// Its own order takes it.
		w.mustGQL(t, admin, `query($c: Cursor) { questions(first: 2, after: $c, orderBy: {field: PRICE}) { edges { cursor } } }`,
			map[string]any{"c": cursor}, &struct{}{})
	})
}

// A cursor whose number no order column holds (uint64's max, 1e308, NaN, infinity, a
// fraction, in a cursor otherwise well made for the list) is
// BAD_USER_INPUT on both the price and the version order: PostgreSQL refused it as out of
// range for bigint, which answered INTERNAL.
func TestACursorNumberNoColumnHoldsIsBadUserInput(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, w *azWorld) {
		client, admin := w.callers[azClient], w.callers[azAdmin].Token
		w.qfSubmit(t, client)
		w.mustGQL(t, admin, `mutation { updateSettings(input: {revisionLimit: 3}) { version } }`, nil, &struct{}{})
		// A cursor names its list (graph/cursor): msgpack {"i": id, "v": value, "l": list}.
		cursor := func(list string, value ...byte) string {
			id := append([]byte{0x83, 0xa1, 'i', 0xc4, 16}, make([]byte, 16)...)
			named := append([]byte{0xa1, 'l', 0xa0 | byte(len(list))}, list...)
			return base64.RawStdEncoding.EncodeToString(slices.Concat(id, []byte{0xa1, 'v'}, value, named))
		}
		double := func(f float64) []byte { return binary.BigEndian.AppendUint64([]byte{0xcb}, math.Float64bits(f)) }
		values := map[string][]byte{
			"uint64's max": {0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			"1e308":        double(1e308),
			"NaN":          double(math.NaN()),
			"infinity":     double(math.Inf(-1)),
			"a fraction":   double(1.5),
		}
		for name, v := range values {
			for _, tc := range []struct{ list, op, field string }{
				{"Query.questions", `query($c: Cursor) { questions(first: 2, after: $c, orderBy: {field: PRICE}) { edges { node { id } } } }`, "after"},
				{"Query.questions", `query($c: Cursor) { questions(last: 2, before: $c, orderBy: {field: PRICE}) { edges { node { id } } } }`, "before"},
				{"Query.settingsHistory", `query($c: Cursor) { settingsHistory(first: 2, after: $c) { edges { node { version } } } }`, "after"},
			} {
				if ext := w.wfFail(t, admin, "BAD_USER_INPUT", tc.op, map[string]any{"c": cursor(tc.list, v...)}); ext["field"] != tc.field {
					t.Errorf("%s: %s: field %v, want %s", name, tc.op, ext["field"], tc.field)
				}
			}
		}
		// The largest number a bigint holds is a cursor still: newest first, the one version
		// comes after it.
		var out struct{ SettingsHistory struct{ Edges []struct{} } }
		w.mustGQL(t, admin, `query($c: Cursor) { settingsHistory(first: 2, after: $c) { edges { node { version } } } }`,
			map[string]any{"c": cursor("Query.settingsHistory", 0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)}, &out)
		if len(out.SettingsHistory.Edges) != 1 {
			t.Errorf("after the largest version: %d versions, want 1", len(out.SettingsHistory.Edges))
		}
	})
}

// onBothDatabases runs check against a server of its own on a new PostgreSQL database and
// on a new SQLite one (the embedded default).
func onBothDatabases(t *testing.T, check func(t *testing.T, w *azWorld)) {
	t.Helper()
	for name, url := range map[string]func(testing.TB) string{"postgres": testenv.NewPostgresDB, "sqlite": testenv.NewSQLiteURL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			check(t, newAzWorld(t, map[string]string{"DATABASE_URL": url(t)}))
		})
	}
}

// connectionFields are the schema's connections (every field taking after: Cursor), each
// with the arguments it needs besides the page's.
var connectionFields = map[string]string{
	"users": "", "ledgerEntries": "", "payouts": "", "accounts": "", "accountEntries": `accountId: "x", `,
	"creditPurchases": "", "auditLogs": "", "myQuestions": "", "availableTasks": "", "myAssignments": "",
	"notifications": "", "ratings": "", "questions": "", "disputes": "", "settingsHistory": "", "subjectRequests": "",
}

// A cursor reads only in the list it was made for: one of another list was taken when its
// value had the kind of the list's order (an auditLogs cursor in payouts, a questions by
// price one in settingsHistory) and paged from an arbitrary place. The argument is
// checked before the access directives, so the admin asks for every list.
func TestACursorOfAnotherListIsBadUserInput(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client, admin := w.callers[azClient], w.callers[azAdmin].Token
	w.qfSubmit(t, client)
	endCursor := func(query string) string {
		t.Helper()
		var out map[string]struct{ PageInfo struct{ EndCursor *string } }
		w.mustGQL(t, admin, query, nil, &out)
		for _, conn := range out {
			if conn.PageInfo.EndCursor != nil {
				return *conn.PageInfo.EndCursor
			}
		}
		t.Fatalf("%s: no cursor", query)
		return ""
	}
	auditLogs := endCursor(`{ auditLogs(first: 1) { pageInfo { endCursor } } }`)
	byPrice := endCursor(`{ questions(first: 1, orderBy: {field: PRICE}) { pageInfo { endCursor } } }`)
	byCreation := endCursor(`{ questions(first: 1) { pageInfo { endCursor } } }`)
	myQuestions := ""
	{
		var out struct {
			MyQuestions struct{ Edges []struct{ Cursor string } }
		}
		w.mustGQL(t, client.Token, `{ myQuestions(first: 1) { edges { cursor } } }`, nil, &out)
		myQuestions = out.MyQuestions.Edges[0].Cursor
	}
	foreign := func(field string) string {
		switch field {
		case "auditLogs":
			return byCreation
		case "settingsHistory":
			return byPrice
		case "questions":
			return myQuestions // the same questions, another list
		}
		return auditLogs
	}
	for field, args := range connectionFields {
		for _, arg := range []string{"after", "before"} {
			op := fmt.Sprintf(`query($c: Cursor) { %s(%sfirst: 1, %s: $c) { totalCount } }`, field, args, arg)
			if ext := w.wfFail(t, admin, "BAD_USER_INPUT", op, map[string]any{"c": foreign(field)}); ext["field"] != arg {
				t.Errorf("%s: field %v, want %s", op, ext["field"], arg)
			}
		}
	}
	s := lvSubscribe(t, w, client.Token, `subscription($a: Cursor) { notificationAdded(after: $a) { id } }`, map[string]any{"a": auditLogs})
	defer s.conn.Close()
	if code := s.refused(t); code != "BAD_USER_INPUT" {
		t.Errorf("notificationAdded(after:) with an auditLogs cursor: %s, want BAD_USER_INPUT", code)
	}
	// Each list takes its own.
	w.mustGQL(t, admin, `query($c: Cursor) { auditLogs(first: 1, after: $c) { totalCount } }`, map[string]any{"c": auditLogs}, &struct{}{})
	w.mustGQL(t, admin, `query($c: Cursor) { questions(first: 1, after: $c) { totalCount } }`, map[string]any{"c": byCreation}, &struct{}{})
	w.mustGQL(t, client.Token, `query($c: Cursor) { myQuestions(first: 1, before: $c) { totalCount } }`, map[string]any{"c": myQuestions}, &struct{}{})
}
