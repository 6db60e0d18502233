package main

import (
	"testing"

	"backbone/internal/testenv"
)

// TestOneQuestionsLoaderFieldsShareABatch checks a question no page primed (question by
// id): its fields resolve one after the other (cmd/gqlgen's sequentialObjects), and the
// first that reads a loader asks for every selected one, so its client and expert come
// in one users read, as when each field had a goroutine of its own, not one read each.
func TestOneQuestionsLoaderFieldsShareABatch(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w, counter := newCountingWorld(t)
	client := w.callers[azClient]
	expert := w.qfExpert(t)
	id := w.qfDelivered(t, client, expert)
	type result struct {
		Question struct {
			Client struct{ DisplayName string }
			Expert *struct{ DisplayName string }
			Answer *struct{ Body string }
		}
	}
	run := func(fields string) (result, int64) {
		var out result
		n := counter.statements(client.UUID, func() {
			w.mustGQL(t, client.Token, `query($id: ID!) { question(id: $id) { `+fields+` } }`, map[string]any{"id": id}, &out)
		})
		return out, n
	}
	_, one := run(`client { displayName }`)
	both, two := run(`client { displayName } expert { displayName }`)
	all, three := run(`client { displayName } expert { displayName } answer { body }`)
	t.Logf("statements: client %d, client and expert %d, with the answer %d", one, two, three)
	if both.Question.Expert == nil || both.Question.Client.DisplayName == "" || all.Question.Answer == nil || all.Question.Expert == nil {
		t.Fatalf("client and expert %+v, with the answer %+v", both, all)
	}
	if two != one {
		t.Fatalf("client and expert ran %d statements, the client alone %d: the users were read apart", two, one)
	}
	if three != one+1 {
		t.Fatalf("with the answer %d statements, the client alone %d: want one more (the answer)", three, one)
	}
}
