package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"backbone/internal/testenv"
)

// TestConnectionsAnswerTheirFieldsUnderAliases reads connections with edges, node,
// totalCount and pageInfo under aliases, alone, in a fragment and twice under two names,
// and a node's edge under two aliases: each answers what the unaliased field answers, in
// as many statements. ent's field collection once found only unaliased fields: an aliased
// edges gave an empty page, an aliased totalCount 0, and a field selected only under a
// second alias had no column read.
func TestConnectionsAnswerTheirFieldsUnderAliases(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w, counter := newCountingWorld(t)
	client, expert, admin := w.callers[azClient], w.qfExpert(t), w.callers[azAdmin]
	w.qfDelivered(t, client, expert)
	w.qfClaimed(t, client, expert)

	for _, c := range []struct {
		token, field, text string // text: a string field of the node, empty in no row
	}{
		{client.Token, "myQuestions", "title"},
		{admin.Token, "questions", "title"},
		{admin.Token, "users", "email"},
	} {
		// read runs the connection with sel and returns its object.
		read := func(sel string) map[string]any {
			t.Helper()
			var out struct{ Page map[string]any }
			w.mustGQL(t, c.token, `{ page: `+c.field+`(first: 10) { `+sel+` } }`, nil, &out)
			return out.Page
		}
		plain := readPage(t, read(`totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id `+c.text+` } }`),
			"totalCount", "pageInfo", "edges", "node", c.text)
		if plain.total < 2 || len(plain.ids) != plain.total || slices.Contains(plain.texts, "") {
			t.Fatalf("%s: the unaliased page is %+v", c.field, plain)
		}
		for _, sh := range []struct{ sel, total, info, edges, node string }{
			{`n: totalCount i: pageInfo { hasNextPage endCursor } e: edges { cursor x: node { id ` + c.text + ` } }`, "n", "i", "e", "x"},
			{`... on ` + connectionType(c.field) + ` { n: totalCount i: pageInfo { hasNextPage endCursor } e: edges { cursor x: node { id ` + c.text + ` } } }`, "n", "i", "e", "x"},
		} {
			if got := readPage(t, read(sh.sel), sh.total, sh.info, sh.edges, sh.node, c.text); !got.equal(plain) {
				t.Errorf("%s { %s }: %+v, want %+v", c.field, sh.sel, got, plain)
			}
		}
		// One field under two names: the page must read the columns of both.
		twice := read(`edges { cursor node { id } } e: edges { cursor node { ` + c.text + ` } }`)
		ids, texts := readPage(t, twice, "", "", "edges", "node", "").ids, readPage(t, twice, "", "", "e", "node", c.text).texts
		if !slices.Equal(ids, plain.ids) || !slices.Equal(texts, plain.texts) {
			t.Errorf("%s with edges twice: ids %v and %ss %q, want %v and %q", c.field, ids, c.text, texts, plain.ids, plain.texts)
		}
		twice = read(`edges { node { id } x: node { ` + c.text + ` } }`)
		ids, texts = readPage(t, twice, "", "", "edges", "node", "").ids, readPage(t, twice, "", "", "edges", "x", c.text).texts
		if !slices.Equal(ids, plain.ids) || !slices.Equal(texts, plain.texts) {
			t.Errorf("%s with node twice: ids %v and %ss %q, want %v and %q", c.field, ids, c.text, texts, plain.ids, plain.texts)
		}
	}

	// pageInfo alone reads the page: under an alias too.
	var info struct{ First, Last, All map[string]map[string]bool }
	w.mustGQL(t, client.Token, `{ first: myQuestions(first: 1) { i: pageInfo { hasNextPage } }
		last: myQuestions(last: 1) { i: pageInfo { hasPreviousPage } }
		all: myQuestions(first: 2) { i: pageInfo { hasNextPage } } }`, nil, &info)
	if !info.First["i"]["hasNextPage"] || !info.Last["i"]["hasPreviousPage"] || info.All["i"]["hasNextPage"] {
		t.Errorf("an aliased pageInfo alone, of 2 questions pages of 1, 1 and 2: %+v", info)
	}

	// An edge of the node under two aliases of node, or of edges, is still read with the
	// page (eager loading), not one statement per row, and each alias gets its columns.
	type actor struct{ ID, Email string }
	var logs struct {
		Page struct {
			Edges []struct{ Node, N struct{ Actor *actor } }
			E     []struct{ Node struct{ Actor *actor } }
		}
	}
	page := func(sel string) int64 {
		t.Helper()
		logs.Page.Edges, logs.Page.E = nil, nil
		return counter.statements(admin.UUID, func() {
			w.mustGQL(t, admin.Token, `{ page: auditLogs(first: 20) { `+sel+` } }`, nil, &logs)
		})
	}
	once := page(`edges { node { actor { id } } }`)
	if len(logs.Page.Edges) < 3 {
		t.Fatalf("%d audit log entries, want several", len(logs.Page.Edges))
	}
	for _, sel := range []string{
		`edges { node { actor { id } } n: node { actor { email } } }`,
		`edges { node { actor { id } } } e: edges { node { actor { email } } }`,
	} {
		if n := page(sel); n != once {
			t.Errorf("%s: %d statements, want %d as with one node", sel, n, once)
		}
		for i, e := range logs.Page.Edges {
			second := e.N.Actor
			if len(logs.Page.E) > i {
				second = logs.Page.E[i].Node.Actor
			}
			if (e.Node.Actor == nil) != (second == nil) || e.Node.Actor != nil && (e.Node.Actor.ID == "" || second.Email == "") {
				t.Errorf("%s: entry %d's actor %+v and %+v", sel, i, e.Node.Actor, second)
			}
		}
	}

	// One edge of a node under two aliases: both get their columns, in the same statements.
	var twice struct {
		Page struct {
			Edges []struct {
				Node struct {
					A1, A2 *struct{ Email, DisplayName string }
				}
			}
		}
	}
	n := counter.statements(admin.UUID, func() {
		w.mustGQL(t, admin.Token, `{ page: auditLogs(first: 20) { edges { node { a1: actor { email } a2: actor { displayName } } } } }`, nil, &twice)
	})
	if n != once {
		t.Errorf("actor under two aliases: %d statements, want %d as with one", n, once)
	}
	actors := 0
	for i, e := range twice.Page.Edges {
		if (e.Node.A1 == nil) != (e.Node.A2 == nil) || e.Node.A1 != nil && (e.Node.A1.Email == "" || e.Node.A2.DisplayName == "") {
			t.Errorf("entry %d: actor as a1 %+v, as a2 %+v", i, e.Node.A1, e.Node.A2)
		}
		if e.Node.A1 != nil {
			actors++
		}
	}
	if actors == 0 {
		t.Errorf("no audit log entry with an actor: %+v", twice)
	}
}

// connectionType is the type of a connection field of Query.
func connectionType(field string) string {
	if field == "users" {
		return "UserConnection"
	}
	return "QuestionConnection"
}

// aliasedPage is what a test compares of a connection page.
type aliasedPage struct {
	total   int
	hasNext bool
	end     string
	cursors []string
	ids     []string
	texts   []string
}

func (p aliasedPage) equal(o aliasedPage) bool {
	return p.total == o.total && p.hasNext == o.hasNext && p.end == o.end &&
		slices.Equal(p.cursors, o.cursors) && slices.Equal(p.ids, o.ids) && slices.Equal(p.texts, o.texts)
}

// readPage reads a page's fields under the names a query gave them; an empty name is a
// field the query did not select.
func readPage(t *testing.T, page map[string]any, total, info, edges, node, text string) aliasedPage {
	t.Helper()
	var p aliasedPage
	if total != "" {
		n, _ := page[total].(float64)
		p.total = int(n)
	}
	if info != "" {
		pi, _ := page[info].(map[string]any)
		p.hasNext, _ = pi["hasNextPage"].(bool)
		p.end, _ = pi["endCursor"].(string)
	}
	list, ok := page[edges].([]any)
	if !ok {
		t.Fatalf("no list under %q in %v", edges, page)
	}
	for _, e := range list {
		e := e.(map[string]any)
		if c, ok := e["cursor"].(string); ok {
			p.cursors = append(p.cursors, c)
		}
		n := e[node].(map[string]any)
		if id, ok := n["id"].(string); ok {
			p.ids = append(p.ids, id)
		}
		if text != "" {
			s, _ := n[text].(string)
			p.texts = append(p.texts, strings.TrimSpace(s))
		}
	}
	return p
}

// TestLedgerEntriesAnswerByNodeAndUnderAliases reads a client's ledger entries (ent's
// postings, LedgerEntry in the schema) by node(id:) with a `... on LedgerEntry` fragment,
// which field collection once skipped (an INTERNAL error: createdAt was never read), and
// with the entry's account under two aliases, one of them with more fields.
func TestLedgerEntriesAnswerByNodeAndUnderAliases(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w, counter := newCountingWorld(t)
	client := w.callers[azClient]
	w.wfBuy(t, client.Token, 100, uuid.NewString())

	type entry struct {
		ID, Kind, CreatedAt string
		Amount              int
		Account             struct{ Kind string }
	}
	var page struct {
		LedgerEntries struct{ Edges []struct{ Node entry } }
	}
	once := counter.statements(client.UUID, func() {
		w.mustGQL(t, client.Token, `{ ledgerEntries(first: 10) { edges { node { id kind createdAt amount account { kind } } } } }`, nil, &page)
	})
	if len(page.LedgerEntries.Edges) == 0 {
		t.Fatal("the client has no ledger entries after a purchase")
	}
	for _, e := range page.LedgerEntries.Edges {
		var byNode struct{ Node entry }
		w.mustGQL(t, client.Token, `query($id: ID!) { node(id: $id) { ... on LedgerEntry { id kind createdAt amount account { kind } } } }`,
			map[string]any{"id": e.Node.ID}, &byNode)
		if byNode.Node != e.Node {
			t.Errorf("node(id: %s) is %+v, the page says %+v", e.Node.ID, byNode.Node, e.Node)
		}
	}

	var aliased struct {
		LedgerEntries struct {
			Edges []struct {
				Node struct {
					A1 struct{ Kind string }
					A2 struct {
						Kind    string
						Balance *int
					}
				}
			}
		}
	}
	n := counter.statements(client.UUID, func() {
		w.mustGQL(t, client.Token, `{ ledgerEntries(first: 10) { edges { node { a1: account { kind } a2: account { kind balance } } } } }`, nil, &aliased)
	})
	if n > once {
		t.Errorf("account under two aliases: %d statements, want at most %d as with one", n, once)
	}
	for i, e := range aliased.LedgerEntries.Edges {
		if want := page.LedgerEntries.Edges[i].Node.Account.Kind; e.Node.A1.Kind != want || e.Node.A2.Kind != want || e.Node.A2.Balance == nil {
			t.Errorf("entry %d: account as a1 %+v, as a2 %+v, want kind %s", i, e.Node.A1, e.Node.A2, want)
		}
	}
}
