package main

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/internal/testenv"
)

// qfAssignment is an Assignment as the tests read it.
type qfAssignment struct {
	ID, ClaimedAt, LeaseExpiresAt string
	Outcome, EndedAt              *string
	Question                      *struct{ ID, Status string } // null once it is not the expert's to see
}

const qfAssignmentsQuery = `query($a: Boolean!) { myAssignments(first: 20, activeOnly: $a) { totalCount edges { node {
	id claimedAt leaseExpiresAt outcome endedAt question { id status } } } } }`

// qfAssignments lists expert's claims, newest first.
func (w *azWorld) qfAssignments(t *testing.T, expert *azAccount, activeOnly bool) []qfAssignment {
	t.Helper()
	var out struct{ MyAssignments wfConnection[qfAssignment] }
	w.mustGQL(t, expert.Token, qfAssignmentsQuery, map[string]any{"a": activeOnly}, &out)
	return out.MyAssignments.nodes(t)
}

// TestQuestionDisputesAndReassignmentsOverGraphQL covers the admin's side: a dispute
// settled with a partial refund, and claims released, extended and reassigned.
func TestQuestionDisputesAndReassignmentsOverGraphQL(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)
	admin := w.callers[azAdmin]

	t.Run("a dispute refunds part and pays the rest less the fee", func(t *testing.T) {
		client, expert := w.register(t, false), w.qfExpert(t)
		revenue := w.wfRevenue(t)
		id := w.qfDisputed(t, client, expert)
		if q := w.qfQuestion(t, client.Token, id); q.Status != "DISPUTED" {
			t.Fatalf("after openDispute: %s", q.Status)
		}
		qfWantWallet(t, w, client, wfWallet{Held: qfPrice})
		w.wfFail(t, admin.Token, "BAD_USER_INPUT", `mutation($id: ID!) { resolveDispute(id: $id, refund: 21, note: "") { status } }`, map[string]any{"id": id})
		var out struct{ ResolveDispute qfQuestion }
		w.mustGQL(t, admin.Token, `mutation($id: ID!) { resolveDispute(id: $id, refund: 5, note: "Half right.") { `+qfQuestionFields+` } }`,
			map[string]any{"id": id}, &out)
		if out.ResolveDispute.Status != "RESOLVED" {
			t.Fatalf("after resolveDispute: %s", out.ResolveDispute.Status)
		}
		// 5 back to the client; of the other 15, the 20% fee (3) to the platform, 12 to the expert.
		qfWantWallet(t, w, client, wfWallet{Balance: 5})
		if e := w.wfEarnings(t, expert.Token); e.Available != 12 {
			t.Fatalf("earnings %+v, want 12 available", e)
		}
		if got := w.wfRevenue(t) - revenue; got != 3 {
			t.Fatalf("revenue grew by %d, want 3", got)
		}
		w.wfFail(t, admin.Token, "CONFLICT", `mutation($id: ID!) { resolveDispute(id: $id, refund: 0, note: "") { status } }`, map[string]any{"id": id})
	})

	t.Run("claims are extended, released and reassigned", func(t *testing.T) {
		t.Parallel()
		client, first, second := w.register(t, false), w.qfExpert(t), w.qfExpert(t)
		id := w.qfClaimed(t, client, first)
		active := w.qfAssignments(t, first, true)
		if len(active) != 1 || active[0].Question == nil || active[0].Question.ID != id || active[0].Outcome != nil {
			t.Fatalf("active claims: %+v", active)
		}
		var ext struct{ ExtendLease qfAssignment }
		w.mustGQL(t, first.Token, `mutation($id: ID!) { extendLease(id: $id) { id leaseExpiresAt } }`, map[string]any{"id": id}, &ext)
		if ext.ExtendLease.ID != active[0].ID || qfTime(t, ext.ExtendLease.LeaseExpiresAt).Before(qfTime(t, active[0].LeaseExpiresAt)) {
			t.Fatalf("extended %+v from %+v", ext.ExtendLease, active[0])
		}
		w.wfFail(t, second.Token, "NOT_FOUND", `mutation($id: ID!) { extendLease(id: $id) { id } }`, map[string]any{"id": id})

		var rel struct{ ReleaseTask qfQuestion }
		w.mustGQL(t, first.Token, `mutation($id: ID!) { releaseTask(id: $id) { `+qfQuestionFields+` } }`, map[string]any{"id": id}, &rel)
		if rel.ReleaseTask.Status != "AWAITING_EXPERT" {
			t.Fatalf("after releaseTask: %s", rel.ReleaseTask.Status)
		}
		if a := w.qfAssignments(t, first, true); len(a) != 0 {
			t.Fatalf("active claims after release: %+v", a)
		}
		if a := w.qfAssignments(t, first, false); len(a) != 1 || a[0].Outcome == nil || *a[0].Outcome != "RELEASED" || a[0].EndedAt == nil {
			t.Fatalf("claims after release: %+v", a)
		}

		w.qfClaim(t, first, id)
		var re struct{ ReassignQuestion qfQuestion }
		w.mustGQL(t, admin.Token, `mutation($id: ID!, $e: ID) { reassignQuestion(id: $id, expertId: $e) { `+qfQuestionFields+` } }`,
			map[string]any{"id": id, "e": second.ID}, &re)
		if q := re.ReassignQuestion; q.Status != "CLAIMED" || q.Expert == nil || q.Expert.ID != second.ID {
			t.Fatalf("after reassignQuestion: %+v", q)
		}
		// The first expert keeps the history of its claims, but no longer sees the
		// question another expert holds.
		if a := w.qfAssignments(t, first, false); len(a) != 2 || a[0].Outcome == nil || *a[0].Outcome != "REASSIGNED" || a[0].Question != nil {
			t.Fatalf("first expert's claims after reassignment: %+v", a)
		}
		w.wfFail(t, first.Token, "CONFLICT", `mutation($id: ID!, $b: String!) { submitAnswer(id: $id, body: $b) { status } }`,
			map[string]any{"id": id, "b": "late"})
		if q := w.qfAnswer(t, second, id, "The second expert's answer."); q.Status != "DELIVERED" {
			t.Fatalf("after the second expert's answer: %s", q.Status)
		}
		w.wfFail(t, admin.Token, "CONFLICT", `mutation($id: ID!) { reassignQuestion(id: $id) { status } }`, map[string]any{"id": id})
		qfWantWallet(t, w, client, wfWallet{Held: qfPrice})
	})

	t.Run("a revision stays with the expert who answered", func(t *testing.T) {
		t.Parallel()
		client, first, second := w.register(t, false), w.qfExpert(t), w.qfExpert(t)
		id := w.qfDelivered(t, client, first)
		const revise = `mutation($id: ID!) { requestRevision(id: $id, note: "Add the formula.") { status } }`
		var revised struct{ RequestRevision struct{ Status string } }
		w.mustGQL(t, client.Token, revise, map[string]any{"id": id}, &revised)
		const reassign = `mutation($id: ID!, $e: ID) { reassignQuestion(id: $id, expertId: $e) { ` + qfQuestionFields + ` } }`
		if ext := w.wfFail(t, admin.Token, "CONFLICT", reassign, map[string]any{"id": id, "e": second.ID}); ext["status"] != "REVISION_REQUESTED" {
			t.Fatalf("reassigning a revision to another expert: extensions %v", ext)
		}
		// Ended by the admin, the revision gives the client back the delivered answer,
		// still the first expert's to be paid for: it does not go back to the queue, where
		// the client could cancel it and another expert take it.
		var ended struct{ ReassignQuestion qfQuestion }
		w.mustGQL(t, admin.Token, reassign, map[string]any{"id": id, "e": nil}, &ended)
		if q := ended.ReassignQuestion; q.Status != "DELIVERED" || q.Expert == nil || q.Expert.ID != first.ID ||
			q.Answer == nil || q.Answer.Author == nil || q.Answer.Author.ID != first.ID {
			t.Fatalf("a revision ended by the admin: %+v", q)
		}
		if a := w.qfAssignments(t, first, true); len(a) != 0 {
			t.Fatalf("the first expert still holds %+v", a)
		}
		if w.qfAvailable(t, second, id) {
			t.Fatal("the ended revision is in another expert's queue")
		}
		w.wfFail(t, client.Token, "CONFLICT", `mutation($id: ID!) { cancelQuestion(id: $id) { status } }`, map[string]any{"id": id})
		var accepted struct{ AcceptAnswer struct{ Status string } }
		w.mustGQL(t, client.Token, `mutation($id: ID!) { acceptAnswer(id: $id, stars: 5) { status } }`, map[string]any{"id": id}, &accepted)
		var earned struct{ Earnings struct{ Available int } }
		w.mustGQL(t, first.Token, `{ earnings { available } }`, nil, &earned)
		if earned.Earnings.Available == 0 {
			t.Fatal("the expert who wrote the accepted answer earned nothing")
		}
		w.mustGQL(t, second.Token, `{ earnings { available } }`, nil, &earned)
		if earned.Earnings.Available != 0 {
			t.Fatalf("the other expert earned %d", earned.Earnings.Available)
		}
	})

	t.Run("a suspended expert's claims go back as a lapsed lease's do", func(t *testing.T) {
		t.Parallel()
		client, expert, other := w.register(t, false), w.qfExpert(t), w.qfExpert(t)
		claimed := w.qfClaimed(t, client, expert)
		revising := w.qfDelivered(t, client, expert)
		var revised struct{ RequestRevision struct{ Status string } }
		w.mustGQL(t, client.Token, `mutation($id: ID!) { requestRevision(id: $id, note: "More.") { status } }`,
			map[string]any{"id": revising}, &revised)
		delivered := w.qfDelivered(t, client, expert)

		var out struct{ SuspendUser struct{ Status string } }
		w.mustGQL(t, admin.Token, `mutation($id: ID!) { suspendUser(userId: $id, reason: "abuse") { status } }`,
			map[string]any{"id": expert.ID}, &out)
		// At once, not when the lease would have run out: back in the queue, for another expert.
		if q := w.qfQuestion(t, admin.Token, claimed); q.Status != "AWAITING_EXPERT" || q.Expert != nil {
			t.Fatalf("the claimed question after the suspension: %s by %v", q.Status, q.Expert)
		}
		if !w.qfAvailable(t, other, claimed) {
			t.Fatal("the claimed question is not in another expert's queue")
		}
		// A revision ends as its lapsed lease would: the client has the delivered answer back.
		if q := w.qfQuestion(t, admin.Token, revising); q.Status != "DELIVERED" || q.Expert == nil || q.Expert.ID != expert.ID {
			t.Fatalf("the revision after the suspension: %s by %v", q.Status, q.Expert)
		}
		// A delivered answer stays: its client may still accept it, and the expert is paid.
		if q := w.qfQuestion(t, admin.Token, delivered); q.Status != "DELIVERED" {
			t.Fatalf("the delivered question after the suspension: %s", q.Status)
		}
		var accepted struct{ AcceptAnswer struct{ Status string } }
		w.mustGQL(t, client.Token, `mutation($id: ID!) { acceptAnswer(id: $id, stars: 4) { status } }`, map[string]any{"id": delivered}, &accepted)
		if accepted.AcceptAnswer.Status != "ACCEPTED" {
			t.Fatalf("accepting the suspended expert's answer: %s", accepted.AcceptAnswer.Status)
		}
	})

	t.Run("an unknown question", func(t *testing.T) {
		t.Parallel()
		missing := qfGID("Question", uuid.New())
		w.wfFail(t, admin.Token, "NOT_FOUND", `mutation($id: ID!) { reassignQuestion(id: $id) { status } }`, map[string]any{"id": missing})
		w.wfFail(t, w.callers[azClient].Token, "NOT_FOUND", qfQuestionQuery, map[string]any{"id": missing})
		w.wfFail(t, w.callers[azClient].Token, "BAD_USER_INPUT", qfQuestionQuery, map[string]any{"id": "not-an-id"})
	})
}

// qfGID is the global id of an object of typ that may not exist.
func qfGID(typ string, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id.String()))
}

// qfTime parses a Time of a response.
func qfTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}
