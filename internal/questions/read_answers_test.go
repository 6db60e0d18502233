package questions_test

import (
	"context"
	"maps"
	"testing"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/internal/testenv"
)

// TestAnswersForFollowsTheReadRules: AnswersFor's plain SQL gives every viewer the same
// answers as ent's read rules (revisionReaders) do: admins all, a client those of their
// own delivered questions only, an expert those of the questions they hold or held; and
// AnswersOfRead, the same rule decided on questions already read, agrees with both.
func TestAnswersForFollowsTheReadRules(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(testing.TB) string{"postgres": testenv.NewPostgresDB, "sqlite": testenv.NewSQLiteURL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			answersFollowTheReadRules(t, newEnvAt(t, url(t)))
		})
	}
}

func answersFollowTheReadRules(t *testing.T, e *env) {
	_, ctxA := e.client(t, 1000)
	_, ctxB := e.client(t, 1000)
	_, ctxE1 := e.expert(t)
	_, ctxE2 := e.expert(t)
	_, ctxE3 := e.expert(t)
	delivered := e.delivered(t, ctxA, ctxE1)
	claimed := e.claimed(t, ctxA, ctxE1) // an expert revision not yet delivered
	sys := privacy.DecisionContext(context.Background(), privacy.Allow)
	e.db.Client.AnswerRevision.Create().SetQuestionID(claimed.ID).SetKind(answerrevision.KindEXPERT).
		SetBody("not delivered").SaveX(sys)
	other := e.delivered(t, ctxB, ctxE2)
	ids := []uuid.UUID{delivered.ID, claimed.ID, other.ID}

	// byRules is the answers ent's privacy rules let the viewer in ctx read.
	byRules := func(ctx context.Context) map[uuid.UUID]uuid.UUID {
		revs, err := e.db.Client.AnswerRevision.Query().
			Where(answerrevision.QuestionIDIn(ids...), answerrevision.KindEQ(answerrevision.KindEXPERT)).
			Order(ent.Asc(answerrevision.FieldCreatedAt), ent.Asc(answerrevision.FieldID)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[uuid.UUID]uuid.UUID{}
		for _, r := range revs {
			out[r.QuestionID] = r.ID
		}
		return out
	}
	for _, c := range []struct {
		name string
		ctx  context.Context
		want []uuid.UUID // the questions whose answer the viewer reads
	}{
		{"admin", e.admin, ids},
		{"the client", ctxA, []uuid.UUID{delivered.ID}},
		{"another client", ctxB, []uuid.UUID{other.ID}},
		{"the expert", ctxE1, []uuid.UUID{delivered.ID, claimed.ID}},
		{"another question's expert", ctxE2, []uuid.UUID{other.ID}},
		{"an expert of none", ctxE3, nil},
	} {
		got, err := e.svc.AnswersFor(c.ctx, ids)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		gotIDs := map[uuid.UUID]uuid.UUID{}
		for q, r := range got {
			if r.Kind != answerrevision.KindEXPERT || r.QuestionID != q || r.Body == "" {
				t.Fatalf("%s: answer %+v under question %s", c.name, r, q)
			}
			gotIDs[q] = r.ID
		}
		if want := byRules(c.ctx); !maps.Equal(gotIDs, want) {
			t.Fatalf("%s: AnswersFor read %v, the read rules %v", c.name, gotIDs, want)
		}
		// The same rule decided on questions already read (a page's rows), and on rows read
		// without the rule's columns: those show no answer but an admin's.
		for _, cols := range [][]string{question.Columns, {question.FieldID}} {
			page := e.db.Client.Question.Query().Where(question.IDIn(ids...)).Select(cols...).AllX(sys)
			of, err := e.svc.AnswersOfRead(c.ctx, page)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			ofIDs := map[uuid.UUID]uuid.UUID{}
			for q, r := range of {
				if r.QuestionID != q || r.Body == "" {
					t.Fatalf("%s: answer %+v under question %s", c.name, r, q)
				}
				ofIDs[q] = r.ID
			}
			want := gotIDs
			if len(cols) == 1 && c.ctx != e.admin {
				want = map[uuid.UUID]uuid.UUID{}
			}
			if !maps.Equal(ofIDs, want) {
				t.Fatalf("%s: AnswersOfRead over %d columns read %v, want %v", c.name, len(cols), ofIDs, want)
			}
		}
		if len(gotIDs) != len(c.want) {
			t.Fatalf("%s: answers of %v, want %v", c.name, gotIDs, c.want)
		}
		for _, q := range c.want {
			if _, ok := gotIDs[q]; !ok {
				t.Fatalf("%s: no answer of %s in %v", c.name, q, gotIDs)
			}
		}
	}
}
