package main

import (
	"testing"

	"github.com/google/uuid"

	"backbone/internal/testenv"
)

// TestQuestionLifecycleOverGraphQL walks questions through their lifecycle over HTTP on
// PostgreSQL, with the wallet, earnings and platform revenue exact at every step.
func TestQuestionLifecycleOverGraphQL(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)

	t.Run("submit, claim, answer, revise, accept", func(t *testing.T) {
		// Not parallel with the refund cases' revenue checks: it alone changes revenue.
		client := w.register(t, false)
		expert := w.qfExpert(t)
		revenue := w.wfRevenue(t)
		w.wfBuy(t, client.Token, 50, uuid.NewString())

		q := w.qfSubmit(t, client)
		if q.Status != "SUBMITTED" && q.Status != "AWAITING_EXPERT" {
			t.Fatalf("submitted question is %s", q.Status)
		}
		if q.Price != qfPrice || q.Subject != qfSubject || q.Urgency != "NORMAL" || q.Client.ID != client.ID || q.Expert != nil {
			t.Fatalf("submitted question: %+v", q)
		}
		// qfSubmit bought the price on top of the 50.
		qfWantWallet(t, w, client, wfWallet{Balance: 50, Held: qfPrice})
		w.qfAwait(t, client.Token, q.ID, "AWAITING_EXPERT")
		if !w.qfAvailable(t, expert, q.ID) {
			t.Fatal("the waiting question is not among the expert's available tasks")
		}

		w.qfClaim(t, expert, q.ID)
		if w.qfAvailable(t, expert, q.ID) {
			t.Fatal("a claimed question is still available")
		}
		if got := w.qfQuestion(t, client.Token, q.ID); got.Status != "CLAIMED" || got.Expert == nil || got.Expert.ID != expert.ID {
			t.Fatalf("after claim the client sees %+v", got)
		}

		d := w.qfAnswer(t, expert, q.ID, "First answer.")
		if d.Status != "DELIVERED" {
			t.Fatalf("after submitAnswer: %s", d.Status)
		}
		got := w.qfQuestion(t, client.Token, q.ID)
		if got.Answer == nil || got.Answer.Body != "First answer." || got.Answer.Kind != "EXPERT" || got.Answer.Author == nil || got.Answer.Author.ID != expert.ID {
			t.Fatalf("client's answer: %+v", got.Answer)
		}
		qfOnlyExpertRevisions(t, got, 1)
		qfWantWallet(t, w, client, wfWallet{Balance: 50, Held: qfPrice})

		var rev struct{ RequestRevision qfQuestion }
		w.mustGQL(t, client.Token, `mutation($id: ID!) { requestRevision(id: $id, note: "Add the formula.") { `+qfQuestionFields+` } }`,
			map[string]any{"id": q.ID}, &rev)
		// A revision goes straight back to the same expert, under a new claim, and waits
		// in REVISION_REQUESTED until they deliver it.
		if r := rev.RequestRevision; r.Status != "REVISION_REQUESTED" || r.RevisionCount != 1 || r.Expert == nil || r.Expert.ID != expert.ID {
			t.Fatalf("after requestRevision: %s, %d revisions, expert %+v", r.Status, r.RevisionCount, r.Expert)
		}
		if d := w.qfAnswer(t, expert, q.ID, "Second answer, with the formula."); d.Status != "DELIVERED" {
			t.Fatalf("after the second submitAnswer: %s", d.Status)
		}
		got = w.qfQuestion(t, client.Token, q.ID)
		if got.Answer == nil || got.Answer.Body != "Second answer, with the formula." {
			t.Fatalf("client's answer after the revision: %+v", got.Answer)
		}
		qfOnlyExpertRevisions(t, got, 2)
		if e := w.qfQuestion(t, expert.Token, q.ID); len(e.Revisions) != 2 {
			t.Fatalf("the expert sees %d revisions, want 2", len(e.Revisions))
		}
		qfWantWallet(t, w, client, wfWallet{Balance: 50, Held: qfPrice})
		if e := w.wfEarnings(t, expert.Token); e.Available != 0 {
			t.Fatalf("earnings before acceptance: %+v", e)
		}

		var acc struct{ AcceptAnswer qfQuestion }
		w.mustGQL(t, client.Token, `mutation($id: ID!) { acceptAnswer(id: $id, stars: 5, comment: "Thanks") { `+qfQuestionFields+` } }`,
			map[string]any{"id": q.ID}, &acc)
		if acc.AcceptAnswer.Status != "ACCEPTED" {
			t.Fatalf("after acceptAnswer: %s", acc.AcceptAnswer.Status)
		}
		// The default fee is 20%: 4 of the 20 credits to the platform, 16 to the expert.
		qfWantWallet(t, w, client, wfWallet{Balance: 50})
		if e := w.wfEarnings(t, expert.Token); e.Available != 16 {
			t.Fatalf("earnings after acceptance: %+v, want 16 available", e)
		}
		if got := w.wfRevenue(t) - revenue; got != 4 {
			t.Fatalf("platform revenue grew by %d, want 4", got)
		}
		w.wfFail(t, client.Token, "CONFLICT", `mutation($id: ID!) { acceptAnswer(id: $id, stars: 5) { status } }`, map[string]any{"id": q.ID})
	})

	t.Run("cancel refunds", func(t *testing.T) {
		t.Parallel()
		client := w.register(t, false)
		q := w.qfSubmit(t, client)
		qfWantWallet(t, w, client, wfWallet{Held: qfPrice})
		var out struct{ CancelQuestion qfQuestion }
		w.mustGQL(t, client.Token, `mutation($id: ID!) { cancelQuestion(id: $id) { `+qfQuestionFields+` } }`, map[string]any{"id": q.ID}, &out)
		if out.CancelQuestion.Status != "CANCELLED" {
			t.Fatalf("after cancel: %s", out.CancelQuestion.Status)
		}
		qfWantWallet(t, w, client, wfWallet{Balance: qfPrice})
		w.wfFail(t, client.Token, "CONFLICT", `mutation($id: ID!) { cancelQuestion(id: $id) { status } }`, map[string]any{"id": q.ID})
		qfWantWallet(t, w, client, wfWallet{Balance: qfPrice})
	})

	t.Run("decline refunds", func(t *testing.T) {
		t.Parallel()
		client, expert := w.register(t, false), w.qfExpert(t)
		id := w.qfClaimed(t, client, expert)
		qfWantWallet(t, w, client, wfWallet{Held: qfPrice})
		var out struct{ DeclineQuestion qfQuestion }
		w.mustGQL(t, expert.Token, `mutation($id: ID!) { declineQuestion(id: $id, reason: "Outside my field.") { `+qfQuestionFields+` } }`,
			map[string]any{"id": id}, &out)
		if out.DeclineQuestion.Status != "DECLINED" {
			t.Fatalf("after decline: %s", out.DeclineQuestion.Status)
		}
		qfWantWallet(t, w, client, wfWallet{Balance: qfPrice})
		if e := w.wfEarnings(t, expert.Token); e.Available != 0 {
			t.Fatalf("a declined question paid the expert: %+v", e)
		}
	})

	t.Run("another client's question does not exist", func(t *testing.T) {
		t.Parallel()
		owner, other := w.register(t, false), w.register(t, false)
		q := w.qfSubmit(t, owner)
		for _, op := range []string{
			`query($id: ID!) { question(id: $id) { id } }`,
			`mutation($id: ID!) { cancelQuestion(id: $id) { status } }`,
			`mutation($id: ID!) { acceptAnswer(id: $id, stars: 5) { status } }`,
		} {
			w.wfFail(t, other.Token, "NOT_FOUND", op, map[string]any{"id": q.ID})
		}
		var out struct {
			MyQuestions wfConnection[struct{ ID string }]
		}
		w.mustGQL(t, other.Token, `{ myQuestions(first: 10) { totalCount edges { node { id } } } }`, nil, &out)
		if out.MyQuestions.TotalCount != 0 {
			t.Fatalf("another client lists %d questions", out.MyQuestions.TotalCount)
		}
		if typ := w.wfNode(t, other.Token, q.ID); typ != "" {
			t.Fatalf("node(id:) shows another client's question as %s", typ)
		}
		if typ := w.wfNode(t, owner.Token, q.ID); typ != "Question" {
			t.Fatalf("node(id:) of the owner's question is %q", typ)
		}
		qfWantWallet(t, w, owner, wfWallet{Held: qfPrice})
	})
}

// qfWantWallet checks the client's wallet.
func qfWantWallet(t *testing.T, w *azWorld, client *azAccount, want wfWallet) {
	t.Helper()
	if got := w.wfWallet(t, client.Token); got != want {
		t.Fatalf("wallet %+v, want %+v", got, want)
	}
}

// qfOnlyExpertRevisions checks that a client's view of a question holds n revisions, all
// of them the expert's: a client never sees an AI draft or rewrite.
func qfOnlyExpertRevisions(t *testing.T, q qfQuestion, n int) {
	t.Helper()
	if len(q.Revisions) != n {
		t.Fatalf("the client sees %d revisions, want %d", len(q.Revisions), n)
	}
	for _, r := range q.Revisions {
		if r.Kind != "EXPERT" {
			t.Fatalf("the client sees a %s revision", r.Kind)
		}
	}
}

// basedOn must name a revision of the question: a malformed id and an id of another type
// are BAD_USER_INPUT on basedOn, as another question's revision is.
func TestSubmitAnswerBasedOnNamesARevisionOfTheQuestion(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	expert := w.qfExpert(t)
	id := w.qfClaimed(t, w.callers[azClient], expert)
	const submit = `mutation($id: ID!, $on: ID) { submitAnswer(id: $id, body: "An answer.", basedOn: $on) { status } }`
	for what, on := range map[string]string{"a malformed id": "garbage", "a question's id": id} {
		if ext := w.wfFail(t, expert.Token, "BAD_USER_INPUT", submit, map[string]any{"id": id, "on": on}); ext["field"] != "basedOn" {
			t.Errorf("%s: field %v, want basedOn", what, ext["field"])
		}
	}
}
