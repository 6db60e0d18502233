package main

import (
	"encoding/json"
	"testing"

	"backbone/ent/dispute"
	"backbone/ent/rating"
	"backbone/internal/testenv"
)

// TestDisputeAndRatingShowTheQuestionAsQuestionDoes: Dispute.question and
// Rating.question follow the read rule of question(id:). An expert made a client keeps
// their disputes and ratings (they name them), but no longer reads the questions through
// them: null, as question(id:) is NOT_FOUND to them. Its client and admins still read it.
func TestDisputeAndRatingShowTheQuestionAsQuestionDoes(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)
	client, admin, expert := w.callers[azClient], w.callers[azAdmin], w.qfExpert(t)
	rated := w.qfDelivered(t, client, expert)
	w.inAccept(t, client, rated, 5, "Clear.")
	disputed := w.qfDisputed(t, client, expert)
	ratingID := qfGID("Rating", w.db.Rating.Query().Where(rating.QuestionID(azUUID(t, rated))).OnlyIDX(w.system()))
	disputeID := qfGID("Dispute", w.db.Dispute.Query().Where(dispute.QuestionID(azUUID(t, disputed))).OnlyIDX(w.system()))

	// question is null, or its id; the rating or dispute itself must be readable.
	ratingQuestion := func(t *testing.T, token string) *string {
		t.Helper()
		var out struct {
			Node *struct {
				Stars    int
				Question *struct{ ID, Body string }
			}
		}
		w.mustGQL(t, token, `query($id: ID!) { node(id: $id) { ... on Rating { stars question { id body } } } }`,
			map[string]any{"id": ratingID}, &out)
		if out.Node == nil || out.Node.Stars != 5 {
			t.Fatalf("the rating itself: %+v", out.Node)
		}
		if out.Node.Question == nil {
			return nil
		}
		return &out.Node.Question.ID
	}
	disputeQuestion := func(t *testing.T, token string) *string {
		t.Helper()
		var out struct {
			Node *struct {
				Reason        string
				AmountAtStake int
				Question      *struct{ ID, Body string }
			}
		}
		w.mustGQL(t, token, `query($id: ID!) { node(id: $id) { ... on Dispute { reason amountAtStake question { id body } } } }`,
			map[string]any{"id": disputeID}, &out)
		if out.Node == nil || out.Node.Reason != "wrong" || out.Node.AmountAtStake <= 0 {
			t.Fatalf("the dispute itself: %+v", out.Node)
		}
		if out.Node.Question == nil {
			return nil
		}
		return &out.Node.Question.ID
	}
	is := func(got *string, want string) bool { return got != nil && *got == want }

	if !is(ratingQuestion(t, expert.Token), rated) || !is(disputeQuestion(t, expert.Token), disputed) {
		t.Fatal("the expert does not read the questions of their rating and dispute")
	}
	var role struct{ SetUserRole struct{ Role string } }
	w.mustGQL(t, admin.Token, `mutation($id: ID!) { setUserRole(userId: $id, role: CLIENT) { role } }`, map[string]any{"id": expert.ID}, &role)
	demoted := w.login(t, expert.Email)
	for _, id := range []string{rated, disputed} {
		_, r := w.gql(t, demoted.Token, `query($id: ID!) { question(id: $id) { id } }`, map[string]any{"id": id})
		if r.codes() != "NOT_FOUND" {
			t.Fatalf("question(id:) to the demoted expert: %s %v, want NOT_FOUND", r.Data, r.Errors)
		}
	}
	if got := ratingQuestion(t, demoted.Token); got != nil {
		t.Errorf("Rating.question to the demoted expert: %s, want null", *got)
	}
	if got := disputeQuestion(t, demoted.Token); got != nil {
		t.Errorf("Dispute.question to the demoted expert: %s, want null", *got)
	}
	if !is(disputeQuestion(t, client.Token), disputed) {
		t.Error("the client no longer reads the question of their dispute")
	}
	if !is(ratingQuestion(t, admin.Token), rated) || !is(disputeQuestion(t, admin.Token), disputed) {
		t.Error("an admin no longer reads the questions of a rating and a dispute")
	}
	// The admins' list of disputes reads the question through the same edge.
	var list struct {
		Disputes struct {
			Edges []struct {
				Node struct{ Question json.RawMessage }
			}
		}
	}
	w.mustGQL(t, admin.Token, `{ disputes(first: 10) { edges { node { question { id } } } } }`, nil, &list)
	if len(list.Disputes.Edges) == 0 || string(list.Disputes.Edges[0].Node.Question) == "null" {
		t.Errorf("disputes to an admin: %+v, want their questions", list.Disputes.Edges)
	}
}
