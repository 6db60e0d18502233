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
	qid := azUUID(t, id).String()
	claimed := w.qfQuestion(t, client.Token, id).Status
	nfUntil(t, conn, func(n nfNotification) bool {
		return n.Kind == "QUESTION_UPDATED" && n.Payload["questionId"] == qid && n.Payload["status"] == claimed
	})
	w.qfAnswer(t, expert, id, "Shorter wavelengths scatter more.")
	nfUntil(t, conn, func(n nfNotification) bool {
		return n.Kind == "ANSWER_DELIVERED" && n.Payload["questionId"] == qid
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
	all := w.nfAwait(t, client.Token, hasKind("ANSWER_DELIVERED"))
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
	qid := azUUID(t, id).String()
	delivered := func(ns []nfNotification) int {
		n := 0
		for _, x := range ns {
			if x.Kind == "ANSWER_DELIVERED" && x.Payload["questionId"] == qid {
				n++
			}
		}
		return n
	}
	w.nfAwait(t, client.Token, func(ns []nfNotification) bool { return delivered(ns) == 2 })
}
