package main

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

// nfAwait polls the viewer's notifications until ok holds for the list, or fails.
func (w *azWorld) nfAwait(t *testing.T, tok string, ok func([]nfNotification) bool) []nfNotification {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, nodes := w.nfList(t, tok, false)
		if ok(nodes) {
			return nodes
		}
		if time.Now().After(deadline) {
			t.Fatalf("notifications never matched: %+v", nodes)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hasKind(kind string) func([]nfNotification) bool {
	return func(ns []nfNotification) bool {
		return slices.ContainsFunc(ns, func(n nfNotification) bool { return n.Kind == kind })
	}
}

func TestNotificationAddedTellsTheClientOfClaimAndAnswerOnly(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client, other := w.callers[azClient], w.callers[azClient2]
	expert := w.qfExpert(t)
	// A cursor from now: whatever happens before the subscription is live is replayed.
	start := nfCursor(t, uuid.Must(uuid.NewV7()))
	conn := nfSubscribe(t, w, client.Token, start)
	otherConn := nfSubscribe(t, w, other.Token, start)

	id := w.qfClaimed(t, client, expert)
	claimed := w.qfQuestion(t, client.Token, id).Status
	nfUntil(t, conn, func(n nfNotification) bool {
		return n.Kind == "QUESTION_UPDATED" && n.Payload["questionId"] == id && n.Payload["status"] == claimed
	})
	w.qfAnswer(t, expert, id, "Shorter wavelengths scatter more.")
	nfUntil(t, conn, func(n nfNotification) bool {
		return n.Kind == "ANSWER_DELIVERED" && n.Payload["questionId"] == id
	})

	if total, _ := w.nfList(t, other.Token, false); total != 0 {
		t.Errorf("the other client has %d notifications, want 0", total)
	}
	if m, err := wsRead(otherConn, 2*time.Second); err == nil {
		t.Errorf("the other client's subscription got %v", m)
	}
}

func TestNotificationAddedResumesWithEveryMissedNotificationOnce(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client := w.callers[azClient]
	expert := w.qfExpert(t)
	conn := nfSubscribe(t, w, client.Token, nfCursor(t, uuid.Must(uuid.NewV7())))
	id := w.qfWaiting(t, client)
	seen := nfNext(t, conn)
	_ = conn.Close() // disconnected

	w.qfClaim(t, expert, id)
	w.qfAnswer(t, expert, id, "Shorter wavelengths scatter more.")
	// The delivery makes two notifications, from two events handled apart: wait for both.
	all := w.nfAwait(t, client.Token, func(ns []nfNotification) bool {
		return hasKind("ANSWER_DELIVERED")(ns) && slices.ContainsFunc(ns, func(n nfNotification) bool {
			return n.Kind == "QUESTION_UPDATED" && n.Payload["status"] == "DELIVERED"
		})
	})
	// all is newest first: the missed ones are those before seen, oldest first.
	var missed []string
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].ID == seen.ID {
			missed = nil
			continue
		}
		missed = append(missed, all[i].ID)
	}
	if len(missed) < 2 {
		t.Fatalf("want at least the claim and the answer missed, got %d", len(missed))
	}

	resumed := nfSubscribe(t, w, client.Token, seen.Cursor)
	var got []string
	for range missed {
		got = append(got, nfNext(t, resumed).ID)
	}
	if !slices.Equal(got, missed) {
		t.Errorf("resumed with %v, want %v", got, missed)
	}
	if m, err := wsRead(resumed, 2*time.Second); err == nil {
		t.Errorf("after the missed ones, got %v", m)
	}
}

func TestNotificationsAreListedCountedAndMarkedReadByTheirOwnerOnly(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client, other := w.callers[azClient], w.callers[azClient2]
	w.qfWaiting(t, client)
	nodes := w.nfAwait(t, client.Token, func(ns []nfNotification) bool { return len(ns) >= 2 })
	count := func(tok string) int {
		var out struct{ UnreadNotificationCount int }
		w.mustGQL(t, tok, `{ unreadNotificationCount }`, nil, &out)
		return out.UnreadNotificationCount
	}
	mark := func(tok string, vars map[string]any) int {
		var out struct{ MarkNotificationsRead int }
		w.mustGQL(t, tok, `mutation($ids: [ID!], $all: Boolean) { markNotificationsRead(ids: $ids, all: $all) }`, vars, &out)
		return out.MarkNotificationsRead
	}
	unread := count(client.Token)
	if unread != len(nodes) {
		t.Fatalf("unread %d, listed %d", unread, len(nodes))
	}

	// Another user neither sees nor marks the client's notification.
	if got := w.wfNode(t, other.Token, nodes[0].ID); got != "" {
		t.Errorf("node(id:) of another's notification gave %q", got)
	}
	if got := w.wfNode(t, client.Token, nodes[0].ID); got != "Notification" {
		t.Errorf("node(id:) of the owner's notification gave %q", got)
	}
	if n := mark(other.Token, map[string]any{"ids": []string{nodes[0].ID}}); n != 0 {
		t.Errorf("another user marked %d", n)
	}

	if n := mark(client.Token, map[string]any{"ids": []string{nodes[0].ID}}); n != 1 {
		t.Errorf("marked %d, want 1", n)
	}
	if got := count(client.Token); got != unread-1 {
		t.Errorf("unread %d after marking one, want %d", got, unread-1)
	}
	if _, left := w.nfList(t, client.Token, true); slices.ContainsFunc(left, func(n nfNotification) bool { return n.ID == nodes[0].ID }) {
		t.Error("unreadOnly lists the notification marked read")
	}
	if n := mark(client.Token, map[string]any{"all": true}); n != unread-1 {
		t.Errorf("marked %d with all, want %d", n, unread-1)
	}
	if got := count(client.Token); got != 0 {
		t.Errorf("unread %d after marking all", got)
	}
	w.wfFail(t, client.Token, "BAD_USER_INPUT", `mutation { markNotificationsRead }`, nil)
}

func TestEachDeliveredAnswerIsNotified(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client := w.callers[azClient]
	expert := w.qfExpert(t)
	id := w.qfDelivered(t, client, expert)
	w.mustGQL(t, client.Token, `mutation($id: ID!) { requestRevision(id: $id, note: "Add the formula.") { status } }`,
		map[string]any{"id": id}, &struct{}{})
	w.qfAnswer(t, expert, id, "Shorter wavelengths scatter more: intensity goes as 1/λ⁴.")
	delivered := func(ns []nfNotification) int {
		n := 0
		for _, x := range ns {
			if x.Kind == "ANSWER_DELIVERED" && x.Payload["questionId"] == id {
				n++
			}
		}
		return n
	}
	w.nfAwait(t, client.Token, func(ns []nfNotification) bool { return delivered(ns) == 2 })
}

// nfRefs is a notification with the question and payout it names.
type nfRefs struct {
	Kind     string
	Payload  map[string]any
	Question *struct{ ID, Status string }
	Payout   *struct{ ID, Status string }
}

// nfRefsOf lists the viewer's notifications of kind, newest first, with what they name.
func (w *azWorld) nfRefsOf(t *testing.T, tok, kind string) []nfRefs {
	t.Helper()
	var out struct {
		Notifications struct{ Edges []struct{ Node nfRefs } }
	}
	w.mustGQL(t, tok, `{ notifications(first: 100) { edges { node { kind payload question { id status } payout { id status } } } } }`, nil, &out)
	var got []nfRefs
	for _, e := range out.Notifications.Edges {
		if e.Node.Kind == kind {
			got = append(got, e.Node)
		}
	}
	return got
}

// A notification names its question or payout by the API's global id, and resolves it
// as the viewer may see it now.
func TestNotificationsNameTheirQuestionOrPayout(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client := w.callers[azClient]
	first, second := w.qfExpert(t), w.qfExpert(t)

	id := w.qfWaiting(t, client)
	w.nfAwait(t, first.Token, hasKind("TASK_AVAILABLE"))
	task := w.nfRefsOf(t, first.Token, "TASK_AVAILABLE")[0]
	if task.Payload["questionId"] != id || task.Question == nil || task.Question.ID != id || task.Payout != nil {
		t.Fatalf("TASK_AVAILABLE while open: %+v, want question %s", task, id)
	}
	var byID struct{ Question struct{ ID string } }
	w.mustGQL(t, first.Token, `query($id: ID!) { question(id: $id) { id } }`, map[string]any{"id": task.Payload["questionId"]}, &byID)
	if byID.Question.ID != id {
		t.Fatalf("question(id: payload.questionId) = %+v", byID)
	}

	w.qfClaim(t, second, id)
	if task := w.nfRefsOf(t, first.Token, "TASK_AVAILABLE")[0]; task.Question != nil || task.Payload["questionId"] != id {
		t.Errorf("TASK_AVAILABLE after another expert claimed it: %+v, want the id but no question", task)
	}
	w.nfAwait(t, client.Token, func(ns []nfNotification) bool {
		return slices.ContainsFunc(ns, func(n nfNotification) bool { return n.Payload["status"] == "CLAIMED" })
	})
	for _, n := range w.nfRefsOf(t, client.Token, "QUESTION_UPDATED") {
		if n.Question == nil || n.Question.ID != id || n.Payload["questionId"] != id {
			t.Errorf("the client's QUESTION_UPDATED: %+v, want question %s", n, id)
		}
	}

	payout := w.azPayout(t)
	w.wfDecide(t, payout, true, "")
	expert := w.callers[azExpert]
	w.nfAwait(t, expert.Token, hasKind("PAYOUT_DECIDED"))
	decided := w.nfRefsOf(t, expert.Token, "PAYOUT_DECIDED")[0]
	if decided.Payload["payoutId"] != payout || decided.Payout == nil || decided.Payout.ID != payout || decided.Question != nil {
		t.Errorf("PAYOUT_DECIDED: %+v, want payout %s", decided, payout)
	}
}
