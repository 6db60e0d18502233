package main

import (
	"maps"
	"slices"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/answerrevision"
	"backbone/internal/testenv"
)

// qfPage is a page of a question connection as the tests read it.
type qfPage struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
	Edges []struct {
		Node struct{ ID, Urgency string }
	}
}

func (p qfPage) urgencies() []string {
	out := make([]string, len(p.Edges))
	for i, e := range p.Edges {
		out[i] = e.Node.Urgency
	}
	return out
}

// TestQuestionConnectionsPageInTheirOrder pages availableTasks (earliest deadline first)
// and myQuestions (newest first) forwards and backwards with cursors.
func TestQuestionConnectionsPageInTheirOrder(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)
	client, expert := w.callers[azClient], w.qfExpert(t)
	w.wfBuy(t, client.Token, 10+20+35+50, uuid.NewString())
	// Submitted in this order, the deadlines run the other way: URGENT is due first.
	for _, u := range []string{"LOW", "NORMAL", "HIGH", "URGENT"} {
		var out struct{ SubmitQuestion struct{ ID string } }
		w.mustGQL(t, client.Token, qfSubmitMutation, map[string]any{"in": map[string]any{
			"subject": qfSubject, "title": "Question " + u, "body": "Body.", "urgency": u, "idempotencyKey": uuid.NewString()}}, &out)
		w.qfAwait(t, client.Token, out.SubmitQuestion.ID, "AWAITING_EXPERT")
	}
	const fields = `totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id urgency } }`
	tasks := func(vars map[string]any) qfPage {
		t.Helper()
		var out struct{ AvailableTasks qfPage }
		w.mustGQL(t, expert.Token, `query($f: Int, $a: Cursor, $l: Int, $b: Cursor) { availableTasks(first: $f, after: $a, last: $l, before: $b) { `+fields+` } }`, vars, &out)
		return out.AvailableTasks
	}
	mine := func(vars map[string]any) qfPage {
		t.Helper()
		var out struct{ MyQuestions qfPage }
		w.mustGQL(t, client.Token, `query($f: Int, $a: Cursor, $l: Int, $b: Cursor) { myQuestions(first: $f, after: $a, last: $l, before: $b) { `+fields+` } }`, vars, &out)
		return out.MyQuestions
	}
	want := []string{"URGENT", "HIGH", "NORMAL", "LOW"}

	t.Run("availableTasks forwards one at a time", func(t *testing.T) {
		var got []string
		vars := map[string]any{"f": 1}
		for i := range want {
			p := tasks(vars)
			if p.TotalCount != 4 || len(p.Edges) != 1 || p.PageInfo.HasNextPage != (i < 3) || p.PageInfo.HasPreviousPage != (i > 0) {
				t.Fatalf("page %d: %+v", i, p)
			}
			got = append(got, p.urgencies()...)
			vars = map[string]any{"f": 1, "a": *p.PageInfo.EndCursor}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("order %v, want %v", got, want)
		}
	})

	t.Run("availableTasks backwards", func(t *testing.T) {
		p := tasks(map[string]any{"l": 2})
		if got := p.urgencies(); !slices.Equal(got, want[2:]) || !p.PageInfo.HasPreviousPage {
			t.Fatalf("last 2: %v %+v", got, p.PageInfo)
		}
		p = tasks(map[string]any{"l": 2, "b": *p.PageInfo.StartCursor})
		if got := p.urgencies(); !slices.Equal(got, want[:2]) || p.PageInfo.HasPreviousPage {
			t.Fatalf("the 2 before: %v %+v", got, p.PageInfo)
		}
	})

	t.Run("myQuestions newest first", func(t *testing.T) {
		p := mine(map[string]any{"f": 3})
		if got := p.urgencies(); !slices.Equal(got, want[:3]) || !p.PageInfo.HasNextPage || p.TotalCount != 4 {
			t.Fatalf("first 3: %v %+v total %d", got, p.PageInfo, p.TotalCount)
		}
		p = mine(map[string]any{"f": 3, "a": *p.PageInfo.EndCursor})
		if got := p.urgencies(); !slices.Equal(got, want[3:]) || p.PageInfo.HasNextPage {
			t.Fatalf("after them: %v %+v", got, p.PageInfo)
		}
	})

	t.Run("questions by deadline, both directions, both ways", func(t *testing.T) {
		admin := w.callers[azAdmin]
		page := func(dir string, vars map[string]any) qfPage {
			t.Helper()
			var out struct{ Questions qfPage }
			vars["o"] = map[string]any{"field": "DEADLINE", "direction": dir}
			vars["c"] = map[string]any{"clientId": client.ID}
			w.mustGQL(t, admin.Token, `query($f: Int, $a: Cursor, $l: Int, $b: Cursor, $o: QuestionsOrder, $c: QuestionsFilter) {
				questions(first: $f, after: $a, last: $l, before: $b, orderBy: $o, filter: $c) { `+fields+` } }`, vars, &out)
			return out.Questions
		}
		latestFirst := slices.Clone(want)
		slices.Reverse(latestFirst)
		for dir, order := range map[string][]string{"ASC": want, "DESC": latestFirst} {
			p := page(dir, map[string]any{"f": 3})
			if got := p.urgencies(); !slices.Equal(got, order[:3]) || !p.PageInfo.HasNextPage || p.PageInfo.HasPreviousPage || p.TotalCount != 4 {
				t.Fatalf("%s first 3: %v %+v total %d", dir, got, p.PageInfo, p.TotalCount)
			}
			p = page(dir, map[string]any{"f": 3, "a": *p.PageInfo.EndCursor})
			if got := p.urgencies(); !slices.Equal(got, order[3:]) || p.PageInfo.HasNextPage || !p.PageInfo.HasPreviousPage {
				t.Fatalf("%s after them: %v %+v", dir, got, p.PageInfo)
			}
			p = page(dir, map[string]any{"l": 3})
			if got := p.urgencies(); !slices.Equal(got, order[1:]) || !p.PageInfo.HasPreviousPage || p.PageInfo.HasNextPage {
				t.Fatalf("%s last 3: %v %+v", dir, got, p.PageInfo)
			}
			p = page(dir, map[string]any{"l": 3, "b": *p.PageInfo.StartCursor})
			if got := p.urgencies(); !slices.Equal(got, order[:1]) || p.PageInfo.HasPreviousPage || !p.PageInfo.HasNextPage {
				t.Fatalf("%s before them: %v %+v", dir, got, p.PageInfo)
			}
		}
	})

	t.Run("a client has no tasks", func(t *testing.T) {
		w.wfFail(t, client.Token, "FORBIDDEN", `{ availableTasks(first: 5) { totalCount } }`, nil)
	})
}

// TestQuestionPagesReadTheColumnsTheirResolversNeed selects, on a page of questions, each
// field whose resolver reads more than its own column: the page's query selects only the
// columns of the fields it knows (entgql's field collection), so such a field alone must
// still find what it reads (autoAcceptAt the status, client and expert their ids).
func TestQuestionPagesReadTheColumnsTheirResolversNeed(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)
	client, expert := w.callers[azClient], w.qfExpert(t)
	w.qfDelivered(t, client, expert)
	node := func(sel string) map[string]any {
		t.Helper()
		var out struct {
			MyQuestions struct {
				Edges []struct{ Node map[string]any }
			}
		}
		w.mustGQL(t, client.Token, `{ myQuestions(first: 5) { edges { node { `+sel+` } } } }`, nil, &out)
		if len(out.MyQuestions.Edges) != 1 {
			t.Fatalf("%s: %d questions, want 1", sel, len(out.MyQuestions.Edges))
		}
		return out.MyQuestions.Edges[0].Node
	}
	if n := node("autoAcceptAt"); n["autoAcceptAt"] == nil {
		t.Fatalf("a delivered question's autoAcceptAt alone is %v", n)
	}
	if n := node("expert { id }"); n["expert"] == nil || n["expert"].(map[string]any)["id"] != expert.ID {
		t.Fatalf("expert alone is %v, want %s", n, expert.ID)
	}
	if n := node("client { id }"); n["client"] == nil || n["client"].(map[string]any)["id"] != client.ID {
		t.Fatalf("client alone is %v, want %s", n, client.ID)
	}
	// The fields the schema maps to one column (entgql.MapsTo) and those reading several.
	if n := node("bodyHtml"); n["bodyHtml"] == "" {
		t.Fatalf("bodyHtml alone is %v", n)
	}
	if n := node("answer { body }"); n["answer"] == nil {
		t.Fatalf("answer alone is %v", n)
	}
	if n := node("revisions { kind }"); len(n["revisions"].([]any)) == 0 {
		t.Fatalf("revisions alone are %v", n)
	}
	// Null unless the viewer is a party: the client must be recognised from the page's row.
	if n := node("revisionRequests { note }"); n["revisionRequests"] == nil {
		t.Fatalf("revisionRequests alone are %v, want [] for the question's client", n)
	}
}

// TestQuestionPagesShowEachAnswerOnlyToItsReaders reads a page of questions as each
// viewer, with the fields that let the page decide the answers' read rule on its own rows
// (client, expert and answer: graph.primeQuestionPage), with the answer alone (the read
// rule in SQL), and with the answer under aliases of edges and node: alone (ent reads the
// columns its fields select) and beside an unaliased one (ent merges the two). All must
// show the same answers: the client only the delivered one, not an expert revision
// written before delivery; an admin both. Every shape with client, expert and answer
// decides the client's read rule on the page's rows: no statement joins questions.
func TestQuestionPagesShowEachAnswerOnlyToItsReaders(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w, counter := newCountingWorld(t)
	client, expert, admin := w.callers[azClient], w.qfExpert(t), w.callers[azAdmin]
	delivered := w.qfDelivered(t, client, expert)
	claimed := w.qfClaimed(t, client, expert)
	w.db.AnswerRevision.Create().SetQuestionID(azUUID(t, claimed)).SetKind(answerrevision.KindEXPERT).
		SetAuthorID(expert.UUID).SetBody("not delivered yet").SaveX(w.system())

	const parties = `client { id } expert { id }`
	shapes := []struct {
		sel, edges, node string
		ruleInSQL        bool // for a client: the page lacks client, expert or answer
	}{
		{`edges { node { id ` + parties + ` answer { body } } }`, "edges", "node", false},
		{`edges { node { id answer { body } } }`, "edges", "node", true},
		{`edges { node { id ` + parties + ` } } e: edges { node { id answer { body } } }`, "e", "node", false},
		{`edges { node { id ` + parties + ` } n: node { id answer { body } } }`, "edges", "n", false},
		{`e: edges { n: node { id ` + parties + ` answer { body } } }`, "e", "n", false},
	}
	// answers reads the page and tells, by question id, whether each has an answer, and
	// how many statements joined questions.
	answers := func(who *azAccount, field, sel, edgesKey, nodeKey string) (map[string]bool, int64) {
		t.Helper()
		var out map[string]map[string][]map[string]struct {
			ID     string
			Answer *struct{ Body string }
		}
		counter.statements(who.UUID, func() {
			w.mustGQL(t, who.Token, `{ page: `+field+`(first: 10) { `+sel+` } }`, nil, &out)
		})
		got := map[string]bool{}
		for _, e := range out["page"][edgesKey] {
			n := e[nodeKey]
			got[n.ID] = n.Answer != nil
		}
		return got, counter.joins.Load()
	}
	for _, c := range []struct {
		name   string
		who    *azAccount
		field  string
		want   map[string]bool
		client bool
	}{
		{"the client", client, "myQuestions", map[string]bool{delivered: true, claimed: false}, true},
		{"an admin", admin, "questions", map[string]bool{delivered: true, claimed: true}, false},
	} {
		for _, sh := range shapes {
			got, joins := answers(c.who, c.field, sh.sel, sh.edges, sh.node)
			if !maps.Equal(got, c.want) {
				t.Errorf("%s, %s: answers %v, want %v", c.name, sh.sel, got, c.want)
			}
			wantJoins := int64(0)
			if c.client && sh.ruleInSQL {
				wantJoins = 1
			}
			if joins != wantJoins {
				t.Errorf("%s, %s: %d statements joined questions, want %d", c.name, sh.sel, joins, wantJoins)
			}
		}
	}
}
