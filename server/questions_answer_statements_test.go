package main

import (
	"testing"

	"backbone/internal/testenv"
)

// TestAnswerBesideRevisionsCostsNoExtraStatement checks that a question's answer is read
// apart from its revisions only when the revisions are not selected: selected together,
// the answer is the newest expert revision of the one read.
func TestAnswerBesideRevisionsCostsNoExtraStatement(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w, counter := newCountingWorld(t)
	client := w.callers[azClient]
	id := w.qfDelivered(t, client, w.qfExpert(t))
	type result struct {
		Question struct {
			Answer    *struct{ Body string }
			Revisions []struct{ Kind, Body string }
		}
	}
	run := func(fields string) (result, int64) {
		var out result
		n := counter.statements(client.UUID, func() {
			w.mustGQL(t, client.Token, `query($id: ID!) { question(id: $id) { `+fields+` } }`, map[string]any{"id": id}, &out)
		})
		return out, n
	}
	onlyAnswer, a := run(`answer { body }`)
	onlyRevisions, r := run(`revisions { kind body }`)
	both, b := run(`answer { body } revisions { kind body }`)
	t.Logf("statements: answer %d, revisions %d, both %d", a, r, b)
	if onlyAnswer.Question.Answer == nil || both.Question.Answer == nil || len(onlyRevisions.Question.Revisions) == 0 {
		t.Fatalf("answer %+v, revisions %+v, both %+v", onlyAnswer, onlyRevisions, both)
	}
	last := onlyRevisions.Question.Revisions[len(onlyRevisions.Question.Revisions)-1]
	if last.Kind != "EXPERT" || both.Question.Answer.Body != last.Body || onlyAnswer.Question.Answer.Body != last.Body {
		t.Fatalf("answer %q and %q, newest revision %+v", onlyAnswer.Question.Answer.Body, both.Question.Answer.Body, last)
	}
	if b != r || a != r {
		t.Fatalf("answer ran %d statements, revisions %d, both %d: want the same", a, r, b)
	}
}
