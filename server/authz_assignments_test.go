package main

import (
	"encoding/json"
	"testing"

	"backbone/internal/testenv"
)

// TestAssignmentsShowTheQuestionOnlyWhileItsExpertMayRead: myAssignments keeps every
// claim, but a claim's question is what question(id:) shows its expert: null once it
// released the task and another expert took it, never its new status, body or holder.
func TestAssignmentsShowTheQuestionOnlyWhileItsExpertMayRead(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)
	first, second := w.qfExpert(t), w.qfExpert(t)
	id := w.qfClaimed(t, w.callers[azClient], first)
	const query = `{ myAssignments(first: 20) { totalCount edges { node { outcome question { id status body expert { id } } } } } }`
	// question reads the first expert's one claim's question (nil for null); the
	// response must hold no error.
	question := func() json.RawMessage {
		var out struct {
			MyAssignments wfConnection[struct {
				Outcome  *string
				Question json.RawMessage
			}]
		}
		w.mustGQL(t, first.Token, query, nil, &out)
		claims := out.MyAssignments.nodes(t)
		if len(claims) != 1 {
			t.Fatalf("%d claims, want 1", len(claims))
		}
		if string(claims[0].Question) == "null" {
			return nil
		}
		return claims[0].Question
	}
	if question() == nil || !w.azSeesQuestion(t, first.Token, id) {
		t.Fatal("the expert holding the claim does not see its question")
	}
	var rel struct{ ReleaseTask struct{ Status string } }
	w.mustGQL(t, first.Token, `mutation($id: ID!) { releaseTask(id: $id) { status } }`, map[string]any{"id": id}, &rel)
	// Back in the queue of the expert's subject: it reads it as any expert of it would.
	if question() == nil || !w.azSeesQuestion(t, first.Token, id) {
		t.Fatal("the released question, queued again, is hidden from an expert of its subject")
	}
	w.qfClaim(t, second, id)
	if q := question(); q != nil {
		t.Errorf("after another expert claimed it, the first still reads %s", q)
	}
	if w.azSeesQuestion(t, first.Token, id) {
		t.Error("after another expert claimed it, question(id:) shows it to the first")
	}
}

// azSeesQuestion reports whether token reads the question through question(id:)
// (NOT_FOUND otherwise), checking that node(id:) agrees.
func (w *azWorld) azSeesQuestion(t *testing.T, token, id string) bool {
	t.Helper()
	_, r := w.gql(t, token, `query($id: ID!) { question(id: $id) { id title body } }`, map[string]any{"id": id})
	seen := len(r.Errors) == 0
	if !seen {
		wantCode(t, r, "NOT_FOUND")
	}
	if byNode := w.wfNode(t, token, id) == "Question"; byNode != seen {
		t.Fatalf("question(id:) sees it: %v, node(id:): %v", seen, byNode)
	}
	return seen
}
