package wallet_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/auditlog"
	"backbone/ent/payout"
	"backbone/ent/payoutmethod"
	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
	"backbone/internal/wallet"
)

func TestPayoutFlow(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d.url(t), wallet.Options{})
			clientID, clientCtx := e.mustUser(t, user.RoleCLIENT)
			expertID, expertCtx := e.mustUser(t, user.RoleEXPERT)
			_, adminCtx := e.mustUser(t, user.RoleADMIN)
			e.mustBuy(t, clientCtx, 100)
			q := uuid.New()
			if _, err := e.svc.Hold(clientCtx, wallet.HoldInput{QuestionID: q, ClientID: clientID, Amount: 100, IdempotencyKey: "h"}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Capture(clientCtx, wallet.CaptureInput{QuestionID: q, ClientID: clientID, ExpertID: expertID, IdempotencyKey: "c"}); err != nil {
				t.Fatal(err)
			}
			wantEarnings(t, e, expertCtx, expertID, wallet.Earnings{Available: 80})

			_, err := e.svc.RequestPayout(expertCtx, 81, "too-much")
			wantCode(t, err, errs.InsufficientCredits)

			first, err := e.svc.RequestPayout(expertCtx, 50, "p1")
			if err != nil || first.Status != payout.StatusPENDING {
				t.Fatalf("RequestPayout = %+v, %v", first, err)
			}
			wantPostings(t, e, first.RequestTransactionID, map[string]int64{"EARNINGS": -50, "PAYOUT": 50})
			// Only 30 are left to request while 50 await a decision.
			_, err = e.svc.RequestPayout(expertCtx, 31, "p2")
			wantCode(t, err, errs.InsufficientCredits)
			second, err := e.svc.RequestPayout(expertCtx, 30, "p3")
			if err != nil {
				t.Fatal(err)
			}
			wantEarnings(t, e, expertCtx, expertID, wallet.Earnings{Available: 0, PendingPayout: 80})
			pending, err := e.svc.Payouts(adminCtx, wallet.PayoutFilter{Status: ptr(payout.StatusPENDING)})
			if err != nil {
				t.Fatal(err)
			}
			if n, err := pending.Count(adminCtx); err != nil || n != 2 {
				t.Fatalf("pending payouts = %d, %v; want 2", n, err)
			}

			approved, err := e.svc.DecidePayout(adminCtx, wallet.DecideInput{PayoutID: first.ID, Approve: true, IdempotencyKey: "d1"})
			if err != nil || approved.Status != payout.StatusAPPROVED {
				t.Fatalf("approve = %+v, %v", approved, err)
			}
			wantPostings(t, e, *approved.DecisionTransactionID, map[string]int64{"PAYOUT": -50, "EXTERNAL": 50})
			rejected, err := e.svc.DecidePayout(adminCtx, wallet.DecideInput{PayoutID: second.ID, Note: "bank details missing", IdempotencyKey: "d2"})
			if err != nil || rejected.Status != payout.StatusREJECTED {
				t.Fatalf("reject = %+v, %v", rejected, err)
			}
			wantPostings(t, e, *rejected.DecisionTransactionID, map[string]int64{"PAYOUT": -30, "EARNINGS": 30})
			wantEarnings(t, e, expertCtx, expertID, wallet.Earnings{Available: 30, PaidOut: 50})

			_, err = e.svc.DecidePayout(adminCtx, wallet.DecideInput{PayoutID: first.ID, IdempotencyKey: "d3"})
			wantCode(t, err, errs.Conflict)
			_, err = e.svc.DecidePayout(adminCtx, wallet.DecideInput{PayoutID: uuid.New(), IdempotencyKey: "d4"})
			wantCode(t, err, errs.NotFound)
			_, err = e.svc.DecidePayout(expertCtx, wallet.DecideInput{PayoutID: second.ID, Approve: true, IdempotencyKey: "d5"})
			wantCode(t, err, errs.Forbidden)

			audits, err := e.db.Client.AuditLog.Query().Where(auditlog.TargetType("Payout")).Count(allow())
			if err != nil || audits != 2 {
				t.Fatalf("payout audit rows = %d, %v; want 2", audits, err)
			}
			// The expert sees their own payouts through privacy rules; a client sees none.
			for _, c := range []struct {
				who  string
				ctx  context.Context
				want int
			}{{"expert", expertCtx, 2}, {"client", clientCtx, 0}} {
				q, err := e.svc.Payouts(c.ctx, wallet.PayoutFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if n, _ := q.Count(c.ctx); n != c.want {
					t.Fatalf("%s sees %d payouts, want %d", c.who, n, c.want)
				}
			}
			checkInvariants(t, e.db.Client)
		})
	}
}

func wantEarnings(tb testing.TB, e *env, ctx context.Context, id uuid.UUID, want wallet.Earnings) {
	tb.Helper()
	got, err := e.svc.Earnings(ctx, id)
	if err != nil || got != want {
		tb.Fatalf("Earnings = %+v, %v; want %+v", got, err, want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestRequestPayoutNeedsAPayoutMethod(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.NewPostgresDB(t), wallet.Options{})
	expertID, expertCtx := e.mustUser(t, user.RoleEXPERT)
	if _, err := e.db.Client.PayoutMethod.Delete().Where(payoutmethod.UserID(expertID)).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.RequestPayout(expertCtx, 1, "no-method")
	wantCode(t, err, errs.FailedPrecondition)
}

// TestRequestPayoutNamesAReachableBound: an amount out of range is refused with the
// bound of requestPayout(amount:), a GraphQL Int, not the ledger's far larger one.
func TestRequestPayoutNamesAReachableBound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.NewPostgresDB(t), wallet.Options{})
	_, expertCtx := e.mustUser(t, user.RoleEXPERT)
	for _, amount := range []int64{0, -1, math.MaxInt32 + 1, wallet.MaxAmount} {
		_, err := e.svc.RequestPayout(expertCtx, amount, "out-of-range")
		wantCode(t, err, errs.BadUserInput)
		var e *errs.Error
		if want := "amount must be between 1 and 2147483647 credits"; !errors.As(err, &e) || e.Message != want {
			t.Fatalf("RequestPayout(%d): %v, want %q", amount, err, want)
		}
	}
}

// TestAnAdminCannotPayThemselves: an admin may neither grant credits to their own wallet
// nor decide their own payout (an expert made an admin may have one pending); another
// admin does both. Nothing moves on a refusal.
func TestAnAdminCannotPayThemselves(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d.url(t), wallet.Options{})
			clientID, clientCtx := e.mustUser(t, user.RoleCLIENT)
			expertID, expertCtx := e.mustUser(t, user.RoleEXPERT)
			_, otherAdminCtx := e.mustUser(t, user.RoleADMIN)
			e.mustBuy(t, clientCtx, 100)
			q := uuid.New()
			if _, err := e.svc.Hold(clientCtx, wallet.HoldInput{QuestionID: q, ClientID: clientID, Amount: 100, IdempotencyKey: "h"}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Capture(clientCtx, wallet.CaptureInput{QuestionID: q, ClientID: clientID, ExpertID: expertID, IdempotencyKey: "c"}); err != nil {
				t.Fatal(err)
			}
			pending, err := e.svc.RequestPayout(expertCtx, 50, "p1")
			if err != nil {
				t.Fatal(err)
			}
			// The expert is made an admin while the payout waits.
			if err := e.db.Client.User.UpdateOneID(expertID).SetRole(user.RoleADMIN).Exec(allow()); err != nil {
				t.Fatal(err)
			}
			selfCtx := viewer.With(context.Background(), viewer.Principal{UserID: expertID, Role: viewer.RoleAdmin})

			before := e.wallet(t, expertID)
			_, err = e.svc.GrantCredits(selfCtx, wallet.GrantInput{UserID: expertID, Amount: 1000, Reason: "bonus", IdempotencyKey: "g-self"})
			wantCode(t, err, errs.Forbidden)
			if after := e.wallet(t, expertID); after != before {
				t.Errorf("wallet after a refused self-grant: %+v, want %+v", after, before)
			}
			for _, approve := range []bool{true, false} {
				_, err = e.svc.DecidePayout(selfCtx, wallet.DecideInput{PayoutID: pending.ID, Approve: approve, IdempotencyKey: "d-self"})
				wantCode(t, err, errs.Forbidden)
			}
			if po, err := e.db.Client.Payout.Get(allow(), pending.ID); err != nil || po.Status != payout.StatusPENDING {
				t.Fatalf("payout after refused self-decisions: %+v, %v; want PENDING", po, err)
			}

			if _, err := e.svc.GrantCredits(otherAdminCtx, wallet.GrantInput{UserID: expertID, Amount: 10, Reason: "bonus", IdempotencyKey: "g-other"}); err != nil {
				t.Errorf("another admin's grant: %v", err)
			}
			if po, err := e.svc.DecidePayout(otherAdminCtx, wallet.DecideInput{PayoutID: pending.ID, Approve: true, IdempotencyKey: "d-other"}); err != nil || po.Status != payout.StatusAPPROVED {
				t.Errorf("another admin's decision: %+v, %v", po, err)
			}
			checkInvariants(t, e.db.Client)
		})
	}
}
