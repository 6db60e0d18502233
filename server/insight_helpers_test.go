package main

import (
	"context"
	"testing"
	"time"

	"backbone/internal/db"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/wallet"
)

// inQuestion is a Question's insight fields as the tests read them.
type inQuestion struct {
	ID, Status string
	Terms      *struct {
		SettingsVersion, AutoAcceptSeconds, RevisionLimit, LeaseSeconds, PlatformFeeBps int
	}
	AutoAcceptAt     *time.Time
	RevisionRequests []struct {
		Note      string
		CreatedAt time.Time
	}
	Dispute *inDispute
}

// inDispute is a Dispute as the tests read it.
type inDispute struct {
	ID, Status, Reason string
	OpenedAt           time.Time
	AmountAtStake      int
	Refund             *int
	ResolutionNote     *string
	ResolvedAt         *time.Time
	Client             struct{ ID string }
	Expert             *struct{ ID string }
	Question           struct{ ID string }
}

const inDisputeFields = `id status reason openedAt amountAtStake refund resolutionNote resolvedAt client { id } expert { id } question { id }`

const inQuestionQuery = `query($id: ID!) { question(id: $id) { id status
	terms { settingsVersion autoAcceptSeconds revisionLimit leaseSeconds platformFeeBps } autoAcceptAt
	revisionRequests { note createdAt } dispute { ` + inDisputeFields + ` } } }`

// inQuestion reads a question's insight fields as token sees them.
func (w *azWorld) inQuestion(t *testing.T, token, id string) inQuestion {
	t.Helper()
	var out struct{ Question inQuestion }
	w.mustGQL(t, token, inQuestionQuery, map[string]any{"id": id}, &out)
	return out.Question
}

// inSweeper is a second instance's questions service on the database at url: its
// sweeps run the real code, when the test wants them rather than once a minute.
func inSweeper(t *testing.T, url string) *questions.Service {
	t.Helper()
	d, err := db.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	w, err := wallet.NewService(wallet.Deps{Client: d.Client}, wallet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return questions.New(questions.Deps{DB: d, Wallet: w, Settings: settings.New(settings.Deps{DB: d}, settings.Options{})}, questions.Options{})
}

// inRewind moves a delivered question's delivery (and auto-accept time) back by d, as if
// it had been delivered d earlier.
func (w *azWorld) inRewind(t *testing.T, gid string, d time.Duration) {
	t.Helper()
	id := azUUID(t, gid)
	q := w.db.Question.GetX(w.system(), id)
	up := w.db.Question.UpdateOneID(id).SetDeliveredAt(q.DeliveredAt.Add(-d))
	if q.AutoAcceptAt != nil {
		up.SetAutoAcceptAt(q.AutoAcceptAt.Add(-d))
	}
	up.ExecX(w.system())
}

// inAccept has client accept the delivered answer with stars and comment.
func (w *azWorld) inAccept(t *testing.T, client *azAccount, id string, stars int, comment string) {
	t.Helper()
	var out struct{ AcceptAnswer struct{ Status string } }
	w.mustGQL(t, client.Token, `mutation($id: ID!, $s: Int!, $c: String) { acceptAnswer(id: $id, stars: $s, comment: $c) { status } }`,
		map[string]any{"id": id, "s": stars, "c": comment}, &out)
}

// inRevise has client ask for a revision with note, and expert answer it with body.
func (w *azWorld) inRevise(t *testing.T, client, expert *azAccount, id, note, body string) {
	t.Helper()
	var out struct{ RequestRevision struct{ Status string } }
	w.mustGQL(t, client.Token, `mutation($id: ID!, $n: String!) { requestRevision(id: $id, note: $n) { status } }`,
		map[string]any{"id": id, "n": note}, &out)
	w.qfAnswer(t, expert, id, body)
}

// inResolve has the admin resolve a dispute with refund and note.
func (w *azWorld) inResolve(t *testing.T, id string, refund int, note string) {
	t.Helper()
	var out struct{ ResolveDispute struct{ Status string } }
	w.mustGQL(t, w.callers[azAdmin].Token, `mutation($id: ID!, $r: Int!, $n: String!) { resolveDispute(id: $id, refund: $r, note: $n) { status } }`,
		map[string]any{"id": id, "r": refund, "n": note}, &out)
}
