package main

import (
	"maps"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/internal/testenv"
)

// The notification kinds of every role: each test drives the events over GraphQL (or a
// sweep), checks who is told and who is not, then has every event redelivered and
// checks that nothing was told twice.

// nkOnce fails unless each of kinds appears exactly once in got.
func nkOnce(t *testing.T, who string, got map[string]int, kinds ...string) {
	t.Helper()
	for _, k := range kinds {
		if got[k] != 1 {
			t.Errorf("%s has %d %s notifications, want 1 (all: %v)", who, got[k], k, got)
		}
	}
}

// nkNone fails if any of kinds appears in got.
func nkNone(t *testing.T, who string, got map[string]int, kinds ...string) {
	t.Helper()
	for _, k := range kinds {
		if got[k] != 0 {
			t.Errorf("%s has %d %s notifications, want none", who, got[k], k)
		}
	}
}

// nkSameAfterRedelivery redelivers every event and checks that nobody's notifications changed.
func (w *nkWorld) nkSameAfterRedelivery(t *testing.T, users map[string]*azAccount) {
	t.Helper()
	before := map[string]map[string]int{}
	for name, a := range users {
		before[name] = w.kinds(t, a)
	}
	if n := w.redeliver(t); n == 0 {
		t.Fatal("no event to redeliver")
	}
	for name, a := range users {
		if after := w.kinds(t, a); !maps.Equal(before[name], after) {
			t.Errorf("%s: after redelivery %v, before %v", name, after, before[name])
		}
	}
}

func TestNotifyKindsOfAnAnswersLife(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newNkWorld(t, nil)
	client, admin := w.register(t, false), w.callers[azAdmin]
	admin2 := w.newAdmin(t)
	expert := w.qfExpert(t)

	// The application: every admin hears of it, the expert of the decision.
	for _, a := range []*azAccount{admin, admin2} {
		w.await(t, a, "EXPERT_APPLIED", func(n nfNotification) bool { return n.Payload["userId"] == expert.ID })
	}
	dec := w.await(t, expert, "APPLICATION_DECIDED", nil)
	if dec.Payload["status"] != "APPROVED" {
		t.Errorf("APPLICATION_DECIDED payload %v", dec.Payload)
	}

	// The expert hears of the revision live, with the client's note.
	conn := nfSubscribe(t, w.azWorld, expert.Token, nfCursor(t, uuid.Must(uuid.NewV7())))
	id := w.qfDelivered(t, client, expert)
	var out struct{ RequestRevision struct{ Status string } }
	w.mustGQL(t, client.Token, `mutation($id: ID!) { requestRevision(id: $id, note: "Say why red scatters less.") { status } }`,
		map[string]any{"id": id}, &out)
	rev := nfUntil(t, conn, func(n nfNotification) bool { return n.Kind == "REVISION_REQUESTED" })
	if n := rev[len(rev)-1]; n.Payload["questionId"] != id || n.Payload["note"] != "Say why red scatters less." || n.Payload["revision"] != float64(1) {
		t.Errorf("REVISION_REQUESTED payload %v", n.Payload)
	}

	// Accepted with four stars.
	w.qfAnswer(t, expert, id, "Shorter wavelengths scatter more: the 1/λ⁴ law.")
	var acc struct{ AcceptAnswer struct{ Status string } }
	w.mustGQL(t, client.Token, `mutation($id: ID!) { acceptAnswer(id: $id, stars: 4) { status } }`, map[string]any{"id": id}, &acc)
	got := w.await(t, expert, "ANSWER_ACCEPTED", about(id))
	if got.Payload["stars"] != float64(4) || got.Payload["auto"] != false {
		t.Errorf("ANSWER_ACCEPTED payload %v", got.Payload)
	}

	// A payout request reaches every admin, not the expert.
	var po struct{ RequestPayout struct{ ID string } }
	w.acSetPayoutMethod(t, expert.Token, "PAYPAL", "expert.payouts@example.com")
	w.mustGQL(t, expert.Token, `mutation($k: String!) { requestPayout(amount: 10, idempotencyKey: $k) { id } }`,
		map[string]any{"k": uuid.NewString()}, &po)
	for _, a := range []*azAccount{admin, admin2} {
		n := w.await(t, a, "PAYOUT_REQUESTED", func(n nfNotification) bool { return n.Payload["payoutId"] == po.RequestPayout.ID })
		if n.Payload["amount"] != float64(10) || n.Payload["expertId"] != expert.ID {
			t.Errorf("PAYOUT_REQUESTED payload %v", n.Payload)
		}
	}

	users := map[string]*azAccount{"client": client, "expert": expert, "admin": admin, "admin2": admin2}
	w.nkSameAfterRedelivery(t, users)
	nkOnce(t, "expert", w.kinds(t, expert), "APPLICATION_DECIDED", "REVISION_REQUESTED", "ANSWER_ACCEPTED")
	nkNone(t, "expert", w.kinds(t, expert), "PAYOUT_REQUESTED", "EXPERT_APPLIED")
	nkOnce(t, "admin2", w.kinds(t, admin2), "EXPERT_APPLIED", "PAYOUT_REQUESTED")
	nkNone(t, "client", w.kinds(t, client), "REVISION_REQUESTED", "ANSWER_ACCEPTED", "PAYOUT_REQUESTED", "REFUNDED")
}

func TestNotifyKindsOfDisputesRefundsAndReassignments(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newNkWorld(t, nil)
	client, admin := w.register(t, false), w.callers[azAdmin]
	admin2 := w.newAdmin(t)
	expert, other := w.qfExpert(t), w.qfExpert(t)

	// A dispute: the expert and every admin hear of it, with the reason; not the client.
	id := w.qfDisputed(t, client, expert)
	for _, a := range []*azAccount{expert, admin, admin2} {
		n := w.await(t, a, "DISPUTE_OPENED", about(id))
		if n.Payload["reason"] != "wrong" {
			t.Errorf("DISPUTE_OPENED payload %v", n.Payload)
		}
	}
	var res struct{ ResolveDispute struct{ Status string } }
	w.mustGQL(t, admin.Token, `mutation($id: ID!) { resolveDispute(id: $id, refund: 5, note: "Half right.") { status } }`,
		map[string]any{"id": id}, &res)
	for _, a := range []*azAccount{client, expert} {
		n := w.await(t, a, "DISPUTE_RESOLVED", about(id))
		if n.Payload["refund"] != float64(5) || n.Payload["note"] != "Half right." {
			t.Errorf("DISPUTE_RESOLVED payload %v", n.Payload)
		}
	}
	refund := w.await(t, client, "REFUNDED", about(id))
	if refund.Payload["amount"] != float64(5) || refund.Payload["status"] != "RESOLVED" {
		t.Errorf("REFUNDED payload %v", refund.Payload)
	}

	// A cancelled question is refunded in full.
	cancelled := w.qfCancelled(t, client)
	if n := w.await(t, client, "REFUNDED", about(cancelled)); n.Payload["amount"] != float64(qfPrice) || n.Payload["status"] != "CANCELLED" {
		t.Errorf("REFUNDED payload %v", n.Payload)
	}

	// A reassignment tells the expert who lost the question and the one who got it.
	moved := w.qfClaimed(t, client, expert)
	var ra struct{ ReassignQuestion struct{ Status string } }
	w.mustGQL(t, admin.Token, `mutation($id: ID!, $e: ID!) { reassignQuestion(id: $id, expertId: $e) { status } }`,
		map[string]any{"id": moved, "e": other.ID}, &ra)
	if n := w.await(t, expert, "QUESTION_REASSIGNED", about(moved)); n.Payload["assignedToYou"] != false {
		t.Errorf("the former expert's QUESTION_REASSIGNED payload %v", n.Payload)
	}
	if n := w.await(t, other, "QUESTION_REASSIGNED", about(moved)); n.Payload["assignedToYou"] != true {
		t.Errorf("the new expert's QUESTION_REASSIGNED payload %v", n.Payload)
	}

	w.nkSameAfterRedelivery(t, map[string]*azAccount{"client": client, "expert": expert, "other": other, "admin": admin, "admin2": admin2})
	nkOnce(t, "expert", w.kinds(t, expert), "DISPUTE_OPENED", "DISPUTE_RESOLVED", "QUESTION_REASSIGNED")
	nkOnce(t, "other", w.kinds(t, other), "QUESTION_REASSIGNED")
	nkNone(t, "other", w.kinds(t, other), "DISPUTE_OPENED", "DISPUTE_RESOLVED")
	nkOnce(t, "admin2", w.kinds(t, admin2), "DISPUTE_OPENED")
	nkNone(t, "admin2", w.kinds(t, admin2), "DISPUTE_RESOLVED", "REFUNDED")
	nkOnce(t, "client", w.kinds(t, client), "DISPUTE_RESOLVED")
	if got := w.kinds(t, client)["REFUNDED"]; got != 2 {
		t.Errorf("client has %d REFUNDED, want 2 (dispute, cancellation)", got)
	}
	nkNone(t, "client", w.kinds(t, client), "DISPUTE_OPENED", "QUESTION_REASSIGNED")
}

func TestNotifyKindsOfLeasesAndDeadlines(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newNkWorld(t, nil)
	client := w.register(t, false)
	expert := w.qfExpert(t)

	// The default lease is 30 minutes, told 5 minutes before its end.
	id := w.qfClaimed(t, client, expert)
	early := w.sweeper(t, 20*time.Minute)
	if n, err := early.WarnLeases(t.Context()); err != nil || n != 0 {
		t.Fatalf("WarnLeases 20 minutes in: %d, %v; want nothing told", n, err)
	}
	soon := w.sweeper(t, 26*time.Minute)
	if n, err := soon.WarnLeases(t.Context()); err != nil || n != 1 {
		t.Fatalf("WarnLeases 26 minutes in: %d, %v; want 1 told", n, err)
	}
	if n, err := soon.WarnLeases(t.Context()); err != nil || n != 0 {
		t.Fatalf("WarnLeases again: %d, %v; want nothing told twice", n, err)
	}
	if n := w.await(t, expert, "LEASE_EXPIRING", about(id)); n.Payload["leaseExpiresAt"] == nil {
		t.Errorf("LEASE_EXPIRING payload %v", n.Payload)
	}
	late := w.sweeper(t, 31*time.Minute)
	if n, err := late.ExpireLeases(t.Context()); err != nil || n != 1 {
		t.Fatalf("ExpireLeases: %d, %v", n, err)
	}
	w.await(t, expert, "LEASE_EXPIRED", about(id))

	// Back in the queue, the question outlives its deadline: the client is told, and refunded.
	w.qfAwait(t, client.Token, id, "AWAITING_EXPERT")
	if n, err := w.sweeper(t, 30*24*time.Hour).ExpireDeadlines(t.Context()); err != nil || n != 1 {
		t.Fatalf("ExpireDeadlines: %d, %v", n, err)
	}
	w.await(t, client, "QUESTION_EXPIRED", about(id))
	if n := w.await(t, client, "REFUNDED", about(id)); n.Payload["status"] != "EXPIRED" || n.Payload["amount"] != float64(qfPrice) {
		t.Errorf("REFUNDED payload %v", n.Payload)
	}

	w.nkSameAfterRedelivery(t, map[string]*azAccount{"client": client, "expert": expert})
	nkOnce(t, "expert", w.kinds(t, expert), "LEASE_EXPIRING", "LEASE_EXPIRED")
	nkOnce(t, "client", w.kinds(t, client), "QUESTION_EXPIRED", "REFUNDED")
	nkNone(t, "client", w.kinds(t, client), "LEASE_EXPIRING", "LEASE_EXPIRED")
}
