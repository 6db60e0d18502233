package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/internal/testenv"
)

// TestDisputesRevisionNotesAndAdminQuestionsOverGraphQL: the revision note and the
// dispute reach the question's client, its expert and admins (nobody else); admins list
// disputes and every question, filtered and sorted.
func TestDisputesRevisionNotesAndAdminQuestionsOverGraphQL(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)
	admin, client2 := w.callers[azAdmin], w.callers[azClient2]
	client, expert, other := w.register(t, false), w.qfExpert(t), w.qfExpert(t)

	id := w.qfDelivered(t, client, expert)
	w.inRevise(t, client, expert, id, "Cite a source.", "Rayleigh (1871) showed scattering goes as the inverse fourth power of wavelength.")
	var opened struct{ OpenDispute struct{ Status string } }
	w.mustGQL(t, client.Token, `mutation($id: ID!) { openDispute(id: $id, reason: "Still no source.") { status } }`, map[string]any{"id": id}, &opened)

	var disputeID string
	for _, who := range []*azAccount{client, expert, admin} {
		q := w.inQuestion(t, who.Token, id)
		if len(q.RevisionRequests) != 1 || q.RevisionRequests[0].Note != "Cite a source." || q.RevisionRequests[0].CreatedAt.IsZero() {
			t.Fatalf("%s reads revision requests %+v", who.Email, q.RevisionRequests)
		}
		d := q.Dispute
		if d == nil || d.Status != "OPEN" || d.Reason != "Still no source." || d.AmountAtStake != qfPrice || d.Refund != nil ||
			d.ResolutionNote != nil || d.ResolvedAt != nil || d.Client.ID != client.ID || d.Expert == nil || d.Expert.ID != expert.ID ||
			d.Question.ID != id || d.OpenedAt.IsZero() {
			t.Fatalf("%s reads dispute %+v", who.Email, d)
		}
		disputeID = d.ID
	}
	// Nobody else sees the question at all, nor the dispute by its id.
	w.wfFail(t, other.Token, "NOT_FOUND", inQuestionQuery, map[string]any{"id": id})
	w.wfFail(t, client2.Token, "NOT_FOUND", inQuestionQuery, map[string]any{"id": id})
	for _, who := range []*azAccount{client2, other} {
		var out struct{ Node *struct{ ID string } }
		w.mustGQL(t, who.Token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": disputeID}, &out)
		if out.Node != nil {
			t.Fatalf("%s reads the dispute through node(id:)", who.Email)
		}
	}
	if typ := w.wfNode(t, expert.Token, disputeID); typ != "Dispute" {
		t.Fatalf("node(dispute id) is a %s", typ)
	}

	// The admin finds it among the disputed questions and the open disputes.
	var mine struct {
		MyQuestions wfConnection[struct{ ID string }]
	}
	w.mustGQL(t, admin.Token, `{ myQuestions(first: 10, status: DISPUTED) { totalCount edges { node { id } } } }`, nil, &mine)
	if got := mine.MyQuestions.nodes(t); len(got) != 1 || got[0].ID != id {
		t.Fatalf("the admin's myQuestions(status: DISPUTED): %+v", got)
	}
	disputes := func(status string) []inDispute {
		var out struct{ Disputes wfConnection[inDispute] }
		w.mustGQL(t, admin.Token, `query($s: DisputeStatus) { disputes(first: 10, status: $s) { totalCount edges { node { `+inDisputeFields+` } } } }`,
			map[string]any{"s": status}, &out)
		return out.Disputes.nodes(t)
	}
	if open := disputes("OPEN"); len(open) != 1 || open[0].ID != disputeID || open[0].Reason != "Still no source." || open[0].AmountAtStake != qfPrice {
		t.Fatalf("open disputes: %+v", open)
	}
	w.inResolve(t, id, qfPrice, "Refunded: no source.")
	if open := disputes("OPEN"); len(open) != 0 {
		t.Fatalf("open disputes after the resolution: %+v", open)
	}
	resolved := disputes("RESOLVED")
	if len(resolved) != 1 || resolved[0].Refund == nil || *resolved[0].Refund != qfPrice || resolved[0].ResolutionNote == nil ||
		*resolved[0].ResolutionNote != "Refunded: no source." || resolved[0].ResolvedAt == nil {
		t.Fatalf("resolved disputes: %+v", resolved)
	}
	if d := w.inQuestion(t, expert.Token, id).Dispute; d == nil || d.Status != "RESOLVED" || *d.Refund != qfPrice || *d.ResolutionNote != "Refunded: no source." {
		t.Fatalf("the expert reads the resolution as %+v", d)
	}

	// A revision ended by an admin stays with its expert (never back in the queue): the
	// other experts of its subject do not see the question, let alone its note.
	requeued := w.qfDelivered(t, client, expert)
	var revised struct{ RequestRevision struct{ Status string } }
	w.mustGQL(t, client.Token, `mutation($id: ID!) { requestRevision(id: $id, note: "Shorter, please.") { status } }`, map[string]any{"id": requeued}, &revised)
	var reassigned struct{ ReassignQuestion struct{ Status string } }
	w.mustGQL(t, admin.Token, `mutation($id: ID!) { reassignQuestion(id: $id, expertId: null) { status } }`, map[string]any{"id": requeued}, &reassigned)
	if reassigned.ReassignQuestion.Status != "DELIVERED" {
		t.Fatalf("a revision ended by the admin is %s, want DELIVERED", reassigned.ReassignQuestion.Status)
	}
	w.wfFail(t, other.Token, "NOT_FOUND", inQuestionQuery, map[string]any{"id": requeued})
	if q := w.inQuestion(t, client.Token, requeued); len(q.RevisionRequests) != 1 || q.RevisionRequests[0].Note != "Shorter, please." {
		t.Fatalf("the client reads %+v", q.RevisionRequests)
	}

	// The admins' question list: filters and orders.
	waiting := w.qfWaiting(t, client2)
	w.wfBuy(t, client2.Token, 35, uuid.NewString())
	var high struct{ SubmitQuestion struct{ ID string } }
	w.mustGQL(t, client2.Token, qfSubmitMutation, map[string]any{"in": map[string]any{"subject": qfSubject,
		"title": "Tides", "body": "Why two tides a day?", "urgency": "HIGH", "idempotencyKey": uuid.NewString()}}, &high)
	overdue := w.qfClaimed(t, client2, other)
	if _, err := w.db.ExecContext(context.Background(), "UPDATE questions SET deadline = $1 WHERE id = $2",
		time.Now().Add(-time.Hour), azUUID(t, overdue)); err != nil {
		t.Fatal(err)
	}
	list := func(vars map[string]any) []string {
		var out struct {
			Questions wfConnection[struct{ ID string }]
		}
		w.mustGQL(t, admin.Token, `query($f: QuestionsFilter, $o: QuestionsOrder) { questions(first: 50, filter: $f, orderBy: $o) {
			totalCount edges { node { id } } } }`, vars, &out)
		var ids []string
		for _, n := range out.Questions.nodes(t) {
			ids = append(ids, n.ID)
		}
		return ids
	}
	wantIDs := func(name string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s: %v, want %v", name, got, want)
		}
	}
	// Newest first by default.
	wantIDs("every question", list(nil), overdue, high.SubmitQuestion.ID, waiting, requeued, id)
	wantIDs("status", list(map[string]any{"f": map[string]any{"status": "RESOLVED"}}), id)
	wantIDs("client", list(map[string]any{"f": map[string]any{"clientId": client2.ID}}), overdue, high.SubmitQuestion.ID, waiting)
	wantIDs("expert", list(map[string]any{"f": map[string]any{"expertId": other.ID}}), overdue)
	wantIDs("subject, any case", list(map[string]any{"f": map[string]any{"subject": "PHYSICS", "text": "two TIDES"}}), high.SubmitQuestion.ID)
	wantIDs("overdue", list(map[string]any{"f": map[string]any{"overdue": true}}), overdue)
	wantIDs("not overdue", list(map[string]any{"f": map[string]any{"overdue": false, "clientId": client2.ID}}), high.SubmitQuestion.ID, waiting)
	wantIDs("created in the future", list(map[string]any{"f": map[string]any{"createdFrom": time.Now().Add(time.Hour).Format(time.RFC3339)}}))
	wantIDs("created in the last hour", list(map[string]any{"f": map[string]any{"createdFrom": time.Now().Add(-time.Hour).Format(time.RFC3339),
		"createdTo": time.Now().Add(time.Hour).Format(time.RFC3339), "clientId": client.ID}}), requeued, id)
	byPrice := list(map[string]any{"o": map[string]any{"field": "PRICE", "direction": "DESC"}})
	if byPrice[0] != high.SubmitQuestion.ID {
		t.Fatalf("by price, highest first: %v", byPrice)
	}
	oldestFirst := list(map[string]any{"o": map[string]any{"field": "CREATED_AT", "direction": "ASC"}})
	wantIDs("oldest first", oldestFirst, id, requeued, waiting, high.SubmitQuestion.ID, overdue)
	// Pages by price follow one another.
	var page struct {
		Questions struct {
			Edges    []struct{ Node struct{ ID string } }
			PageInfo struct{ EndCursor *string }
		}
	}
	var paged []string
	var after *string
	for range 10 {
		w.mustGQL(t, admin.Token, `query($a: Cursor) { questions(first: 2, after: $a, orderBy: {field: PRICE, direction: ASC}) { edges { node { id } } pageInfo { endCursor } } }`,
			map[string]any{"a": after}, &page)
		for _, e := range page.Questions.Edges {
			paged = append(paged, e.Node.ID)
		}
		if len(page.Questions.Edges) < 2 {
			break
		}
		after = page.Questions.PageInfo.EndCursor
	}
	if len(paged) != 5 || paged[4] != high.SubmitQuestion.ID {
		t.Fatalf("paged by price: %v", paged)
	}

	bad := `query($f: QuestionsFilter) { questions(first: 5, filter: $f) { totalCount } }`
	w.wfFail(t, admin.Token, "BAD_USER_INPUT", bad, map[string]any{"f": map[string]any{"clientId": "nope"}})
	w.wfFail(t, admin.Token, "BAD_USER_INPUT", bad, map[string]any{"f": map[string]any{"text": strings.Repeat("x", 201)}})
	w.wfFail(t, admin.Token, "BAD_USER_INPUT", bad, map[string]any{"f": map[string]any{"createdFrom": "2030-01-02T00:00:00Z", "createdTo": "2030-01-01T00:00:00Z"}})
	w.wfFail(t, client.Token, "FORBIDDEN", bad, nil)
	w.wfFail(t, client.Token, "FORBIDDEN", `{ disputes(first: 5) { totalCount } }`, nil)
}

// TestAdminListsRunTheSameFewStatementsForAnyPageSize checks the loaders behind the
// admins' lists: a page of questions or disputes with their people, notes and disputes
// costs one statement per kind of object, not one per row.
func TestAdminListsRunTheSameFewStatementsForAnyPageSize(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w, counter := newCountingWorld(t)
	client, admin := w.callers[azClient], w.callers[azAdmin]
	experts := []*azAccount{w.qfExpert(t), w.qfExpert(t)}
	for i := range 6 {
		id := w.qfDelivered(t, client, experts[i%2])
		var out struct{ RequestRevision struct{ Status string } }
		w.mustGQL(t, client.Token, `mutation($id: ID!) { requestRevision(id: $id, note: "More.") { status } }`, map[string]any{"id": id}, &out)
		w.qfAnswer(t, experts[i%2], id, fmt.Sprintf("Revised answer number %d about scattering.", i))
		var d struct{ OpenDispute struct{ Status string } }
		w.mustGQL(t, client.Token, `mutation($id: ID!) { openDispute(id: $id, reason: "No.") { status } }`, map[string]any{"id": id}, &d)
	}
	pages := map[string]string{
		"questions": `query($n: Int!) { questions(first: $n) { edges { node { id client { id } expert { id displayName }
			revisionRequests { note } dispute { reason amountAtStake } terms { revisionLimit } } } } }`,
		"disputes": `query($n: Int!) { disputes(first: $n) { edges { node { reason amountAtStake client { id } expert { id }
			question { id revisionRequests { note } } } } } }`,
	}
	for name, page := range pages {
		counts := map[int]int64{}
		for _, n := range []int{6, 2} {
			counts[n] = counter.statements(admin.UUID, func() {
				_, r := w.gql(t, admin.Token, page, map[string]any{"n": n})
				if len(r.Errors) > 0 || !strings.Contains(string(r.Data), "More.") {
					t.Fatalf("%s(first: %d): %+v %s", name, n, r.Errors, r.Data)
				}
			})
		}
		t.Logf("%s statements: first 6 -> %d, first 2 -> %d", name, counts[6], counts[2])
		if counts[6] != counts[2] || counts[6] > 6 {
			t.Fatalf("%s: first 6 ran %d statements, first 2 ran %d: a lookup is per row", name, counts[6], counts[2])
		}
	}
}
