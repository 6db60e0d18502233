package main

import (
	"testing"

	"backbone/internal/testenv"
)

// TestQueuedQuestionsAreReadOnlyByTheExpertsTheyWaitFor: a queued question is read by
// id only by the approved experts of its subject, the experts availableTasks shows it
// to and claimTask lets take it; pending applicants and experts of other subjects get
// NOT_FOUND (question) and null (node, nodes), as they would for a missing one.
func TestQueuedQuestionsAreReadOnlyByTheExpertsTheyWaitFor(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)
	id := w.qfWaiting(t, w.callers[azClient])
	experts := map[string]*azAccount{
		"a pending applicant in its subject": w.callers[azPending],
		"an expert of another subject":       w.qfExpertIn(t, "History"),
	}
	for name, e := range experts {
		if w.azSeesQuestion(t, e.Token, id) {
			t.Errorf("%s reads the queued question by id", name)
		}
		if got := w.azNodes(t, e.Token, id); got[0] != "" {
			t.Errorf("%s: nodes(ids:) gives %v", name, got)
		}
		// An applicant is refused as one; an approved expert of another subject learns no
		// more than question(id:) tells them.
		want := "NOT_FOUND"
		if e == w.callers[azPending] {
			want = "FORBIDDEN"
		}
		w.wfFail(t, e.Token, want, `mutation($id: ID!) { claimTask(id: $id) { id } }`, map[string]any{"id": id})
	}
	if w.qfAvailable(t, experts["an expert of another subject"], id) {
		t.Error("availableTasks shows an expert a question outside its subjects")
	}
	inSubject := w.qfExpert(t)
	if !w.azSeesQuestion(t, inSubject.Token, id) || !w.qfAvailable(t, inSubject, id) {
		t.Fatal("the expert of the question's subject does not see it queued")
	}
	w.qfClaim(t, inSubject, id)
	if !w.azSeesQuestion(t, inSubject.Token, id) {
		t.Fatal("the expert who claimed the question does not read it")
	}
}
