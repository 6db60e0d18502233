package main

import (
	"testing"
	"time"

	"backbone/internal/testenv"
)

// TestRevisionRequestedOverGraphQL: requestRevision leaves the question in
// REVISION_REQUESTED, which the client reads and is told of, and the expert finds among
// their active assignments; the client can do nothing else with it meanwhile; the
// sweeps leave it to the revision's lease, whose end gives the client back the answer
// already delivered; and the expert's delivery ends it.
func TestRevisionRequestedOverGraphQL(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newNkWorld(t, nil)
	client, expert := w.register(t, false), w.qfExpert(t)
	id := w.qfDelivered(t, client, expert)
	const revise = `mutation($id: ID!) { requestRevision(id: $id, note: "Add the formula.") { ` + qfQuestionFields + ` } }`

	var rev struct{ RequestRevision qfQuestion }
	w.mustGQL(t, client.Token, revise, map[string]any{"id": id}, &rev)
	if r := rev.RequestRevision; r.Status != "REVISION_REQUESTED" || r.RevisionCount != 1 || r.Expert == nil || r.Expert.ID != expert.ID {
		t.Fatalf("after requestRevision: %s, %d revisions, expert %+v", r.Status, r.RevisionCount, r.Expert)
	}
	if got := w.qfQuestion(t, client.Token, id); got.Status != "REVISION_REQUESTED" || got.Answer == nil || got.Answer.Body != "Shorter wavelengths scatter more." {
		t.Fatalf("the client reads %s with the answer %+v", got.Status, got.Answer)
	}
	w.await(t, client, "QUESTION_UPDATED", func(n nfNotification) bool {
		return n.Payload["questionId"] == id && n.Payload["status"] == "REVISION_REQUESTED"
	})
	active := w.qfAssignments(t, expert, true)
	if len(active) != 1 || active[0].Question == nil || active[0].Question.ID != id || active[0].Question.Status != "REVISION_REQUESTED" {
		t.Fatalf("the expert's active assignments: %+v", active)
	}
	for _, op := range []string{
		`mutation($id: ID!) { acceptAnswer(id: $id, stars: 5) { status } }`,
		`mutation($id: ID!) { openDispute(id: $id, reason: "wrong") { status } }`,
		`mutation($id: ID!) { requestRevision(id: $id, note: "again") { status } }`,
		`mutation($id: ID!) { cancelQuestion(id: $id) { status } }`,
	} {
		if ext := w.wfFail(t, client.Token, "CONFLICT", op, map[string]any{"id": id}); ext["status"] != "REVISION_REQUESTED" {
			t.Errorf("%s: extensions %v, want status REVISION_REQUESTED", op, ext)
		}
	}

	// Past the auto-accept delay and the deadline the sweeps leave it alone; past the
	// revision's 30-minute lease it is delivered again with the answer it had.
	later := w.sweeper(t, 30*24*time.Hour)
	if _, err := later.AutoAccept(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := later.ExpireDeadlines(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := w.qfQuestion(t, client.Token, id); got.Status != "REVISION_REQUESTED" {
		t.Fatalf("after the auto-accept and deadline sweeps: %s", got.Status)
	}
	if n, err := w.sweeper(t, 31*time.Minute).ExpireLeases(t.Context()); err != nil || n != 1 {
		t.Fatalf("ExpireLeases: %d, %v", n, err)
	}
	if got := w.qfQuestion(t, client.Token, id); got.Status != "DELIVERED" || got.RevisionCount != 1 || got.Answer == nil || got.Answer.Body != "Shorter wavelengths scatter more." {
		t.Fatalf("after the revision's lease: %s, %d revisions, answer %+v", got.Status, got.RevisionCount, got.Answer)
	}

	// Asked again, the expert delivers straight from REVISION_REQUESTED.
	w.mustGQL(t, client.Token, revise, map[string]any{"id": id}, &rev)
	if rev.RequestRevision.Status != "REVISION_REQUESTED" || rev.RequestRevision.RevisionCount != 2 {
		t.Fatalf("the second request: %s, %d revisions", rev.RequestRevision.Status, rev.RequestRevision.RevisionCount)
	}
	if d := w.qfAnswer(t, expert, id, "Shorter wavelengths scatter more: intensity goes as 1/λ⁴."); d.Status != "DELIVERED" || d.Answer == nil || d.Answer.Body != "Shorter wavelengths scatter more: intensity goes as 1/λ⁴." {
		t.Fatalf("after the revised answer: %s, answer %+v", d.Status, d.Answer)
	}
	if n := len(w.qfAssignments(t, expert, true)); n != 0 {
		t.Fatalf("the expert still holds %d assignments", n)
	}
}
