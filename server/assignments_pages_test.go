package main

import (
	"testing"

	"backbone/internal/testenv"
)

// TestAssignmentPagesReadTheirQuestionsOnce pages an expert's claims with each claim's
// question: the questions are read once for the page, by the loader that decides which
// the expert may still see, and not also eager-loaded with the page.
func TestAssignmentPagesReadTheirQuestionsOnce(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w, counter := newCountingWorld(t)
	client, expert := w.callers[azClient], w.qfExpert(t)
	w.liftQuestionLimit(t)
	ids := map[string]bool{}
	for range 3 {
		ids[w.qfDelivered(t, client, expert)] = true
	}
	var out struct {
		MyAssignments struct {
			Edges []struct {
				Node struct {
					Outcome  *string
					Question *struct{ ID, Title, Status string }
				}
			}
		}
	}
	n := counter.statements(expert.UUID, func() {
		w.mustGQL(t, expert.Token, `{ myAssignments(first: 10) { edges { node { outcome question { id title status } } } } }`, nil, &out)
	})
	// The caller's account (every request), the page with its questions eager-loaded
	// under the read rule, and nothing more: the loader read them a second time, whole.
	if n != 3 {
		t.Errorf("%d statements, want 3", n)
	}
	if len(out.MyAssignments.Edges) != 3 {
		t.Fatalf("%d claims, want 3", len(out.MyAssignments.Edges))
	}
	for _, e := range out.MyAssignments.Edges {
		if q := e.Node.Question; q == nil || !ids[q.ID] || q.Title == "" || q.Status != "DELIVERED" {
			t.Fatalf("claim's question %+v, want one of %v, delivered", q, ids)
		}
	}
}
