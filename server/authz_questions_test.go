package main

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
)

// azQuestionsRows are the rows of the question lifecycle's fields.
func azQuestionsRows() []azRow {
	// Only approved experts work on tasks: pending applicants hold the EXPERT role but the
	// service refuses them.
	expertsOnly := func() map[azCaller]azOutcome {
		m := azExpect(azUnauthenticated, azForbidden, azForbidden)
		m[azExpert] = azAllowed
		return m
	}
	// ownedByClient: only clients act on questions, and another client is told the
	// question does not exist.
	ownedByClient := func() map[azCaller]azOutcome {
		m := azExpect(azUnauthenticated, azForbidden, azForbidden)
		m[azClient], m[azClient2] = azAllowed, azNotFound
		return m
	}
	// question makes the row's question with make and passes its id.
	question := func(make func(t *testing.T, w *azWorld) string) func(*testing.T, *azWorld, azCaller, *azRequest) {
		return func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
			req.vars = map[string]any{"id": make(t, w)}
		}
	}
	client := func(w *azWorld) *azAccount { return w.callers[azClient] }
	// task gives the expert caller a fresh expert in the question's subject (the table's
	// expert declares another) and a question from make; the other callers are refused
	// by their role before the id matters, except pending applicants, who get a real one.
	task := func(make func(t *testing.T, w *azWorld, expert *azAccount) string) func(*testing.T, *azWorld, azCaller, *azRequest) {
		return func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
			id := base64.RawURLEncoding.EncodeToString([]byte("Question:" + uuid.NewString()))
			if c == azExpert || c == azPending {
				expert := w.qfExpert(t)
				id = make(t, w, expert)
				if c == azExpert {
					req.token = expert.Token
				}
			}
			req.vars = map[string]any{"id": id}
		}
	}
	claimed := func(t *testing.T, w *azWorld, e *azAccount) string { return w.qfClaimed(t, client(w), e) }
	return []azRow{
		{op: `{ myQuestions(first: 5) { totalCount } }`, want: azSignedIn()},
		{
			op:      `query($id: ID!) { question(id: $id) { id } }`,
			prepare: question(func(t *testing.T, w *azWorld) string { return w.qfCancelled(t, client(w)) }),
			want: func() map[azCaller]azOutcome {
				m := azExpect(azUnauthenticated, azNotFound, azAllowed) // a cancelled question is no expert's
				m[azClient] = azAllowed
				return m
			}(),
		},
		{op: `{ availableTasks(first: 5) { totalCount } }`, want: expertsOnly()},
		{op: `{ myAssignments(first: 5) { totalCount } }`, want: expertsOnly()},
		{
			op: `mutation($k: String!) { submitQuestion(input: {subject: "Physics", title: "t", body: "b", urgency: LOW, idempotencyKey: $k}) { id } }`,
			prepare: func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
				if c == azClient || c == azClient2 { // who may buy credits
					w.wfBuy(t, w.callers[c].Token, qfPrice, uuid.NewString())
				}
				req.vars = map[string]any{"k": uuid.NewString()}
			},
			want: azClientsOnly(),
		},
		{
			op:      `mutation($id: ID!) { cancelQuestion(id: $id) { status } }`,
			prepare: question(func(t *testing.T, w *azWorld) string { return w.qfWaiting(t, client(w)) }),
			want:    ownedByClient(),
		},
		{
			op:      `mutation($id: ID!) { acceptAnswer(id: $id, stars: 5) { status } }`,
			prepare: question(func(t *testing.T, w *azWorld) string { return w.qfDelivered(t, client(w), w.qfExpert(t)) }),
			want:    ownedByClient(),
		},
		{
			op:      `mutation($id: ID!) { requestRevision(id: $id, note: "more") { status } }`,
			prepare: question(func(t *testing.T, w *azWorld) string { return w.qfDelivered(t, client(w), w.qfExpert(t)) }),
			want:    ownedByClient(),
		},
		{
			op:      `mutation($id: ID!) { openDispute(id: $id, reason: "wrong") { status } }`,
			prepare: question(func(t *testing.T, w *azWorld) string { return w.qfDelivered(t, client(w), w.qfExpert(t)) }),
			want:    ownedByClient(),
		},
		{
			op:      `mutation($id: ID!) { claimTask(id: $id) { id } }`,
			prepare: task(func(t *testing.T, w *azWorld, _ *azAccount) string { return w.qfWaiting(t, client(w)) }),
			want:    expertsOnly(),
		},
		{op: `mutation($id: ID!) { extendLease(id: $id) { leaseExpiresAt } }`, prepare: task(claimed), want: expertsOnly()},
		{op: `mutation($id: ID!) { releaseTask(id: $id) { status } }`, prepare: task(claimed), want: expertsOnly()},
		{op: `mutation($id: ID!) { submitAnswer(id: $id, body: "answer") { status } }`, prepare: task(claimed), want: expertsOnly()},
		{op: `mutation($id: ID!) { declineQuestion(id: $id, reason: "off topic") { status } }`, prepare: task(claimed), want: expertsOnly()},
		{
			op:      `mutation($id: ID!) { resolveDispute(id: $id, refund: 0, note: "fine") { status } }`,
			prepare: question(func(t *testing.T, w *azWorld) string { return w.qfDisputed(t, client(w), w.qfExpert(t)) }),
			want:    azAdminOnly(),
		},
		{
			op:      `mutation($id: ID!) { reassignQuestion(id: $id) { status } }`,
			prepare: question(func(t *testing.T, w *azWorld) string { return w.qfClaimed(t, client(w), w.qfExpert(t)) }),
			want:    azAdminOnly(),
		},
		{
			// Without a provider the pipeline is SKIPPED: an admin may run it again.
			op:      `mutation($id: ID!) { retryPipeline(id: $id) { status } }`,
			prepare: question(func(t *testing.T, w *azWorld) string { return w.qfWaiting(t, client(w)) }),
			want:    azAdminOnly(),
		},
		// An empty list is an answer too: no dead job in a fresh world.
		{op: `{ deadJobs { id topic } }`, want: azAdminOnly(), seen: func(_ azRequest, v json.RawMessage) bool { return string(v) != "null" }},
		{op: `mutation { replayDeadJob(topic: "pipeline.draft", id: "no-such-job") }`, want: azAdminOnly()},
	}
}
