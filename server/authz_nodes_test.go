package main

import (
	"testing"

	"github.com/google/uuid"

	"backbone/ent/answerrevision"
	"backbone/internal/testenv"
)

// TestNodeIsNullForWhatTheViewerMayNotSee: node(id:) and nodes(ids:) give answer
// revisions and audit logs to those who may read them and null to the others, never
// FORBIDDEN, and one hidden id does not fail a whole list.
func TestNodeIsNullForWhatTheViewerMayNotSee(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)
	client, expert, admin := w.callers[azClient], w.qfExpert(t), w.callers[azAdmin]
	id := w.qfClaimed(t, client, expert)
	// An AI draft on the same question: its expert may read it, its client never.
	draft, err := w.db.AnswerRevision.Create().SetQuestionID(azUUID(t, id)).
		SetKind(answerrevision.KindAI_DRAFT).SetBody("A draft.").Save(w.system())
	if err != nil {
		t.Fatal(err)
	}
	draftID := qfGID("AnswerRevision", draft.ID)
	answer := w.qfAnswer(t, expert, id, "Shorter wavelengths scatter more.").Answer
	if answer == nil {
		t.Fatal("no answer after submitAnswer")
	}
	var logs struct {
		AuditLogs wfConnection[struct{ ID string }]
	}
	w.mustGQL(t, admin.Token, `{ auditLogs(first: 1) { totalCount edges { node { id } } } }`, nil, &logs)
	if len(logs.AuditLogs.Edges) != 1 {
		t.Fatal("no audit log to look up")
	}
	auditID := logs.AuditLogs.Edges[0].Node.ID

	ids := []string{id, answer.ID, draftID, auditID, qfGID("AnswerRevision", uuid.New())}
	want := map[*azAccount][]string{
		client:               {"Question", "AnswerRevision", "", "", ""},
		expert:               {"Question", "AnswerRevision", "AnswerRevision", "", ""},
		admin:                {"Question", "AnswerRevision", "AnswerRevision", "AuditLog", ""},
		w.callers[azClient2]: {"", "", "", "", ""},
		w.callers[azPending]: {"", "", "", "", ""},
		w.qfExpert(t):        {"", "", "", "", ""}, // another expert of the same subject
	}
	for who, types := range want {
		got := w.azNodes(t, who.Token, ids...)
		for i, gid := range ids {
			if got[i] != types[i] {
				t.Errorf("%s: nodes(ids:)[%d] is %q, want %q", who.Email, i, got[i], types[i])
			}
			if one := w.wfNode(t, who.Token, gid); one != types[i] {
				t.Errorf("%s: node(id:) of id %d is %q, want %q", who.Email, i, one, types[i])
			}
		}
	}
}

// azNodes reads nodes(ids:), which must answer without errors, as the typename of each
// ("" for null).
func (w *azWorld) azNodes(t *testing.T, token string, ids ...string) []string {
	t.Helper()
	var out struct {
		Nodes []*struct {
			Typename string `json:"__typename"`
		}
	}
	w.mustGQL(t, token, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }`, map[string]any{"ids": ids}, &out)
	got := make([]string, len(out.Nodes))
	for i, n := range out.Nodes {
		if n != nil {
			got[i] = n.Typename
		}
	}
	return got
}
