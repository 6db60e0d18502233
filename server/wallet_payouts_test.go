package main

import (
	"testing"

	"github.com/google/uuid"
)

// TestEarningsAndPayouts follows an expert's earnings from captures to payouts over
// GraphQL on PostgreSQL. It owns its server: platformRevenue counts every capture.
func TestEarningsAndPayouts(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	admin, expert := w.callers[azAdmin], w.callers[azExpert]
	wantEarnings := func(t *testing.T, step string, want wfEarnings) {
		t.Helper()
		if got := w.wfEarnings(t, expert.Token); got != want {
			t.Fatalf("%s: earnings = %+v, want %+v", step, got, want)
		}
		var out struct{ UserEarnings wfEarnings }
		w.mustGQL(t, admin.Token, `query($id: ID!) { userEarnings(userId: $id) { available pendingPayout paidOut } }`,
			map[string]any{"id": expert.ID}, &out)
		if out.UserEarnings != want {
			t.Fatalf("%s: admin's userEarnings = %+v, want %+v", step, out.UserEarnings, want)
		}
	}
	wantRevenue := func(t *testing.T, step string, want int) {
		t.Helper()
		if got := w.wfRevenue(t); got != want {
			t.Fatalf("%s: platformRevenue = %d, want %d", step, got, want)
		}
	}

	wantEarnings(t, "before any capture", wfEarnings{})
	wantRevenue(t, "before any capture", 0)
	// 7 credits at 20%: the fee of 1.4 rounds down to 1, the expert gets 6.
	w.azFundEarnings(t, expert, 7)
	wantEarnings(t, "after a capture of 7", wfEarnings{Available: 6})
	wantRevenue(t, "after a capture of 7", 1)

	ext := w.wfFail(t, expert.Token, "INSUFFICIENT_CREDITS", wfRequestPayout, map[string]any{"a": 10, "k": "too-much"})
	if ext["shortfall"] != float64(4) {
		t.Fatalf("requestPayout(10) of 6 available: shortfall %v, want 4", ext["shortfall"])
	}
	wantEarnings(t, "after a refused payout", wfEarnings{Available: 6})

	// 13 credits: fee 2 (2.6 rounded down), expert 11.
	w.azFundEarnings(t, expert, 13)
	wantEarnings(t, "after a capture of 13", wfEarnings{Available: 17})
	wantRevenue(t, "after a capture of 13", 3)

	p1 := w.wfRequestPayout(t, expert.Token, 10, "payout-1")
	if p1.Status != "PENDING" || p1.Amount != 10 || p1.DecidedAt != nil || p1.Expert.ID != expert.ID {
		t.Fatalf("requestPayout(10) = %+v", p1)
	}
	wantEarnings(t, "after requesting 10", wfEarnings{Available: 7, PendingPayout: 10})
	if again := w.wfRequestPayout(t, expert.Token, 10, "payout-1"); again.ID != p1.ID {
		t.Fatalf("replayed requestPayout made payout %s, want %s", again.ID, p1.ID)
	}
	w.wfFail(t, expert.Token, "CONFLICT", wfRequestPayout, map[string]any{"a": 3, "k": "payout-1"})
	wantEarnings(t, "after a replayed and a conflicting request", wfEarnings{Available: 7, PendingPayout: 10})

	queue := w.wfPayouts(t, admin.Token, "PENDING")
	if len(queue) != 1 || queue[0].ID != p1.ID || queue[0].Expert.Email != expert.Email || queue[0].Amount != 10 {
		t.Fatalf("admin's payouts(status: PENDING) = %+v, want payout %s of %s", queue, p1.ID, expert.Email)
	}

	if got := w.wfDecide(t, p1.ID, true, "paid by transfer"); got.Status != "APPROVED" || got.DecidedAt == nil || got.Note != "paid by transfer" {
		t.Fatalf("approved payout = %+v", got)
	}
	wantEarnings(t, "after the approval", wfEarnings{Available: 7, PaidOut: 10})

	p2 := w.wfRequestPayout(t, expert.Token, 5, "payout-2")
	wantEarnings(t, "after requesting 5", wfEarnings{Available: 2, PendingPayout: 5, PaidOut: 10})
	if got := w.wfDecide(t, p2.ID, false, "bank details missing"); got.Status != "REJECTED" || got.Note != "bank details missing" {
		t.Fatalf("rejected payout = %+v", got)
	}
	wantEarnings(t, "after the rejection", wfEarnings{Available: 7, PaidOut: 10})

	for _, d := range []struct {
		name    string
		id      string
		approve bool
	}{
		{"approve the approved payout again", p1.ID, true},
		{"reject the approved payout", p1.ID, false},
		{"approve the rejected payout", p2.ID, true},
	} {
		t.Run("decidePayout refuses to "+d.name, func(t *testing.T) {
			w.wfFail(t, admin.Token, "CONFLICT", wfDecidePayout,
				map[string]any{"id": d.id, "ok": d.approve, "k": uuid.NewString()})
		})
	}
	wantEarnings(t, "after decisions on decided payouts", wfEarnings{Available: 7, PaidOut: 10})
	if q := w.wfPayouts(t, admin.Token, "PENDING"); len(q) != 0 {
		t.Fatalf("pending payouts after both decisions: %+v", q)
	}
	wantRevenue(t, "after the payouts", 3)

	// A second expert's payout: each expert sees their own, the admin sees all.
	expert2 := w.fresh(t, azExpert)
	w.azFundEarnings(t, expert2, 5)
	p3 := w.wfRequestPayout(t, expert2.Token, 4, "payout-3")
	mine := w.wfPayouts(t, expert.Token, "")
	if len(mine) != 2 || mine[0].Expert.Email != expert.Email || mine[1].Expert.Email != expert.Email {
		t.Fatalf("first expert's payouts = %+v, want their 2", mine)
	}
	if theirs := w.wfPayouts(t, expert2.Token, ""); len(theirs) != 1 || theirs[0].ID != p3.ID {
		t.Fatalf("second expert's payouts = %+v, want only %s", theirs, p3.ID)
	}
	if pending := w.wfPayouts(t, expert.Token, "PENDING"); len(pending) != 0 {
		t.Fatalf("first expert's pending payouts (the only pending one is another's) = %+v", pending)
	}
	if all := w.wfPayouts(t, admin.Token, ""); len(all) != 3 {
		t.Fatalf("admin's payouts = %+v, want 3", all)
	}
	wantRevenue(t, "after a capture of 5", 4)

	w.wfFail(t, w.callers[azClient].Token, "FORBIDDEN", wfEarningsQuery, nil)
	w.wfFail(t, expert.Token, "FORBIDDEN", `query($id: ID!) { userEarnings(userId: $id) { available } }`,
		map[string]any{"id": expert2.ID})
	// An admin who never earned reads no zeros of their own, as of any such user.
	for _, id := range []string{admin.ID, w.callers[azClient].ID} {
		w.wfFail(t, admin.Token, "NOT_FOUND", `query($id: ID!) { userEarnings(userId: $id) { available } }`, map[string]any{"id": id})
	}
}
