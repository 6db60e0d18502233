package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Helpers of the questions end-to-end tests (questions_*_test.go, authz_questions_test.go),
// on top of azWorld: a real server on its own PostgreSQL database with signed-in callers.

// qfSubject is a subject of the default settings, at the NORMAL urgency's price.
const (
	qfSubject = "Physics"
	qfPrice   = 20
)

// qfQuestion is a Question as the tests read it.
type qfQuestion struct {
	ID, Status, Subject, Title, Urgency string
	Price, RevisionCount                int
	Client                              struct{ ID string }
	Expert                              *struct{ ID string }
	Answer                              *qfRevision
	Revisions                           []qfRevision
}

// qfRevision is an AnswerRevision as the tests read it.
type qfRevision struct {
	ID, Kind, Body string
	Author         *struct{ ID string }
}

const (
	qfQuestionFields = `id status subject title urgency price revisionCount client { id } expert { id }
		answer { id kind body author { id } } revisions { id kind body author { id } }`
	qfQuestionQuery  = `query($id: ID!) { question(id: $id) { ` + qfQuestionFields + ` } }`
	qfSubmitMutation = `mutation($in: SubmitQuestionInput!) { submitQuestion(input: $in) { ` + qfQuestionFields + ` } }`
)

// qfExpert signs up an expert in qfSubject and has the admin approve them.
func (w *azWorld) qfExpert(t *testing.T) *azAccount {
	t.Helper()
	email := fmt.Sprintf("qf%d@example.com", w.seq.Add(1))
	in := map[string]any{"email": email, "password": azPassword, "displayName": "Expert " + email,
		"expert": map[string]any{"subjects": []string{qfSubject}, "bio": "Teaches physics."}}
	var out struct{ Register azTokens }
	w.mustGQL(t, "", `mutation($in: RegisterInput!) { register(input: $in) `+azAuthPayload+` }`,
		map[string]any{"in": in}, &out)
	// Registration stores the subject lower-cased; subjects match regardless of case.
	return w.approve(t, w.callers[azAdmin], w.account(t, email, out.Register))
}

// qfSubmit buys the price of a NORMAL question for client and submits one.
func (w *azWorld) qfSubmit(t *testing.T, client *azAccount) qfQuestion {
	t.Helper()
	w.wfBuy(t, client.Token, qfPrice, uuid.NewString())
	var out struct{ SubmitQuestion qfQuestion }
	w.mustGQL(t, client.Token, qfSubmitMutation, map[string]any{"in": map[string]any{
		"subject": qfSubject, "title": "Why is the sky blue?", "body": "Explain Rayleigh scattering.",
		"urgency": "NORMAL", "idempotencyKey": uuid.NewString()}}, &out)
	return out.SubmitQuestion
}

// qfQuestion reads a question that token may see.
func (w *azWorld) qfQuestion(t *testing.T, token, id string) qfQuestion {
	t.Helper()
	var out struct{ Question qfQuestion }
	w.mustGQL(t, token, qfQuestionQuery, map[string]any{"id": id}, &out)
	return out.Question
}

// qfAwait polls the question until it has status; the route job moves it asynchronously.
func (w *azWorld) qfAwait(t *testing.T, token, id, status string) qfQuestion {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		q := w.qfQuestion(t, token, id)
		if q.Status == status {
			return q
		}
		if time.Now().After(deadline) {
			t.Fatalf("question %s is %s after 20s, want %s", id, q.Status, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// qfWaiting submits a question of client and waits until experts may claim it.
func (w *azWorld) qfWaiting(t *testing.T, client *azAccount) string {
	t.Helper()
	q := w.qfSubmit(t, client)
	w.qfAwait(t, client.Token, q.ID, "AWAITING_EXPERT")
	return q.ID
}

// qfClaim has expert claim the question.
func (w *azWorld) qfClaim(t *testing.T, expert *azAccount, id string) {
	t.Helper()
	var out struct{ ClaimTask struct{ ID string } }
	w.mustGQL(t, expert.Token, `mutation($id: ID!) { claimTask(id: $id) { id } }`, map[string]any{"id": id}, &out)
}

// qfClaimed submits a question of client that expert claims.
func (w *azWorld) qfClaimed(t *testing.T, client, expert *azAccount) string {
	t.Helper()
	id := w.qfWaiting(t, client)
	w.qfClaim(t, expert, id)
	return id
}

// qfAnswer has expert deliver body as the answer.
func (w *azWorld) qfAnswer(t *testing.T, expert *azAccount, id, body string) qfQuestion {
	t.Helper()
	var out struct{ SubmitAnswer qfQuestion }
	w.mustGQL(t, expert.Token, `mutation($id: ID!, $b: String!) { submitAnswer(id: $id, body: $b) { `+qfQuestionFields+` } }`,
		map[string]any{"id": id, "b": body}, &out)
	return out.SubmitAnswer
}

// qfDelivered submits a question of client that expert claims and answers.
func (w *azWorld) qfDelivered(t *testing.T, client, expert *azAccount) string {
	t.Helper()
	id := w.qfClaimed(t, client, expert)
	w.qfAnswer(t, expert, id, "Shorter wavelengths scatter more.")
	return id
}

// qfDisputed submits a question of client, delivered by expert, that client disputes.
func (w *azWorld) qfDisputed(t *testing.T, client, expert *azAccount) string {
	t.Helper()
	id := w.qfDelivered(t, client, expert)
	var out struct{ OpenDispute struct{ Status string } }
	w.mustGQL(t, client.Token, `mutation($id: ID!) { openDispute(id: $id, reason: "wrong") { status } }`,
		map[string]any{"id": id}, &out)
	return id
}

// qfCancelled submits a question of client and cancels it.
func (w *azWorld) qfCancelled(t *testing.T, client *azAccount) string {
	t.Helper()
	id := w.qfSubmit(t, client).ID
	var out struct{ CancelQuestion struct{ Status string } }
	w.mustGQL(t, client.Token, `mutation($id: ID!) { cancelQuestion(id: $id) { status } }`, map[string]any{"id": id}, &out)
	return id
}

// qfAvailable reports whether the question is among expert's available tasks.
func (w *azWorld) qfAvailable(t *testing.T, expert *azAccount, id string) bool {
	t.Helper()
	var out struct {
		AvailableTasks wfConnection[struct{ ID string }]
	}
	w.mustGQL(t, expert.Token, `{ availableTasks(first: 100) { totalCount edges { node { id } } } }`, nil, &out)
	for _, n := range out.AvailableTasks.nodes(t) {
		if n.ID == id {
			return true
		}
	}
	return false
}
