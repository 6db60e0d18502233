package questions_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/internal/errs"
	"backbone/internal/payment"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/wallet"
)

// stepTimeout bounds each step, so that a step waiting for a second connection fails
// the test instead of hanging it; it is far above what a step takes on a loaded machine.
const stepTimeout = 30 * time.Second

// TestEveryMoneyFlowRunsOnOneConnection runs every flow that moves credits on a pool of
// one connection, each step with the settings cache cold: a step that needs a second
// connection while its transaction holds the only one (a settings read inside the
// transaction, say) waits until it times out and fails. Code that takes a second
// connection while holding one deadlocks a busy pool of any size.
func TestEveryMoneyFlowRunsOnOneConnection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 0)
	expertID, xctx := e.expert(t)
	e.db.SQL.SetMaxOpenConns(1)

	step := func(name string, ctx context.Context, fn func(ctx context.Context) error) {
		t.Helper()
		e.settings.Invalidate()
		ctx, cancel := context.WithTimeout(ctx, stepTimeout)
		defer cancel()
		if err := fn(ctx); err != nil {
			t.Fatalf("%s on one connection: %v", name, err)
		}
	}
	submit := func(flow string) *ent.Question {
		t.Helper()
		var q *ent.Question
		step(flow+": submit", cctx, func(ctx context.Context) (err error) {
			q, err = e.svc.Submit(ctx, questions.SubmitInput{Subject: subject, Title: "Integral",
				Body: "What is the integral of x?", Urgency: question.UrgencyNORMAL, IdempotencyKey: uuid.NewString()})
			return err
		})
		step(flow+": route", context.Background(), func(ctx context.Context) error { return e.svc.Route(ctx, q.ID) })
		return q
	}
	claim := func(flow string, q *ent.Question) {
		t.Helper()
		step(flow+": claim", xctx, func(ctx context.Context) error { _, err := e.svc.Claim(ctx, q.ID); return err })
	}
	answer := func(flow string, q *ent.Question) {
		t.Helper()
		step(flow+": submitAnswer", xctx, func(ctx context.Context) error {
			_, err := e.svc.SubmitAnswer(ctx, q.ID, "x^2/2 + C", nil)
			return err
		})
	}

	step("grantCredits", e.admin, func(ctx context.Context) error {
		_, err := e.wallet.GrantCredits(ctx, wallet.GrantInput{UserID: clientID, Amount: 100, Reason: "test", IdempotencyKey: uuid.NewString()})
		return err
	})
	step("buyCredits", cctx, func(ctx context.Context) error {
		_, err := e.wallet.BuyCredits(ctx, wallet.BuyInput{Credits: 100, IdempotencyKey: uuid.NewString()})
		return err
	})
	step("payment webhook", context.Background(), func(ctx context.Context) error {
		return e.wallet.CreditPayment(ctx, payment.Event{Provider: "dev", ID: uuid.NewString(), UserID: clientID, Credits: 10, Reference: "r"})
	})
	step("updateSettings", e.admin, func(ctx context.Context) error {
		revisions := 3
		_, err := e.settings.Update(ctx, settings.Patch{RevisionLimit: &revisions})
		return err
	})

	accepted := submit("accept")
	claim("accept", accepted)
	step("accept: extendLease", xctx, func(ctx context.Context) error { _, err := e.svc.ExtendLease(ctx, accepted.ID); return err })
	answer("accept", accepted)
	step("accept: requestRevision", cctx, func(ctx context.Context) error {
		_, err := e.svc.RequestRevision(ctx, accepted.ID, "show the steps")
		return err
	})
	answer("accept", accepted)
	step("accept", cctx, func(ctx context.Context) error { _, err := e.svc.Accept(ctx, accepted.ID, 5, "thanks"); return err })

	resolved := submit("dispute")
	claim("dispute", resolved)
	answer("dispute", resolved)
	step("dispute: open", cctx, func(ctx context.Context) error { _, err := e.svc.OpenDispute(ctx, resolved.ID, "wrong"); return err })
	step("dispute: resolve", e.admin, func(ctx context.Context) error {
		_, err := e.svc.ResolveDispute(ctx, resolved.ID, 5, "half right")
		return err
	})

	cancelled := submit("cancel")
	step("cancel", cctx, func(ctx context.Context) error { _, err := e.svc.Cancel(ctx, cancelled.ID); return err })

	declined := submit("decline")
	claim("decline", declined)
	step("decline", xctx, func(ctx context.Context) error { _, err := e.svc.Decline(ctx, declined.ID, "out of scope"); return err })

	reassigned := submit("reassign")
	claim("reassign", reassigned)
	step("reassign", e.admin, func(ctx context.Context) error { _, err := e.svc.Reassign(ctx, reassigned.ID, nil); return err })

	leaseLapsed := submit("lease expiry")
	claim("lease expiry", leaseLapsed)
	e.clock.advance(31 * time.Minute)
	step("lease expiry sweep", context.Background(), func(ctx context.Context) error { _, err := e.svc.ExpireLeases(ctx); return err })

	autoAccepted := submit("auto-accept")
	claim("auto-accept", autoAccepted)
	answer("auto-accept", autoAccepted)
	e.clock.advance(73 * time.Hour) // past the auto-accept delay and the open questions' deadlines
	step("auto-accept sweep", context.Background(), func(ctx context.Context) error { _, err := e.svc.AutoAccept(ctx); return err })
	step("deadline sweep", context.Background(), func(ctx context.Context) error { _, err := e.svc.ExpireDeadlines(ctx); return err })

	// requestPayout needs a payout method; its sealed bytes are never opened here.
	if err := e.db.Client.PayoutMethod.Create().SetUserID(expertID).SetKind("PAYPAL").SetKeyID("fixture").
		SetDetailsSealed([]byte("fixture")).Exec(context.Background()); err != nil {
		t.Fatalf("payout method: %v", err)
	}
	for _, decision := range []bool{true, false} {
		var po *ent.Payout
		step("requestPayout", xctx, func(ctx context.Context) (err error) {
			po, err = e.wallet.RequestPayout(ctx, 3, uuid.NewString())
			return err
		})
		step("decidePayout", e.admin, func(ctx context.Context) error {
			_, err := e.wallet.DecidePayout(ctx, wallet.DecideInput{PayoutID: po.ID, Approve: decision, IdempotencyKey: uuid.NewString()})
			return err
		})
	}

	for q, want := range map[*ent.Question]question.Status{
		accepted: question.StatusACCEPTED, resolved: question.StatusRESOLVED, cancelled: question.StatusCANCELLED,
		declined: question.StatusDECLINED, reassigned: question.StatusEXPIRED, leaseLapsed: question.StatusEXPIRED,
		autoAccepted: question.StatusACCEPTED,
	} {
		if got := e.status(t, q.ID); got != want {
			t.Errorf("question %s: status %s, want %s", q.ID, got, want)
		}
	}
	// Prices are 20 at a fee of 20%: two captured in full (16 each to the expert) and one
	// less a refund of 5 (15 less 3); 3 paid out, 3 requested and given back.
	earned, err := e.wallet.Earnings(e.admin, expertID)
	if err != nil {
		t.Fatal(err)
	}
	if earned.Available != 44-6+3 || earned.PaidOut != 3 {
		t.Errorf("earnings %+v, want 41 available and 3 paid out", earned)
	}
}

// TestConcurrentResolutionsOfOneDisputeOnASmallPool is the attack of issue 11: more
// concurrent resolutions of one dispute than the pool has connections, the settings
// cache cold. The connections are all held by transactions queued on the question's row,
// so the one holding the row must not need another: exactly one resolves it, the others
// answer CONFLICT, all well before the deadline.
func TestConcurrentResolutionsOfOneDisputeOnASmallPool(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	_, xctx := e.expert(t)
	q := e.delivered(t, cctx, xctx)
	if _, err := e.svc.OpenDispute(cctx, q.ID, "wrong"); err != nil {
		t.Fatal(err)
	}
	e.db.SQL.SetMaxOpenConns(3)
	e.settings.Invalidate()
	ctx, cancel := context.WithTimeout(e.admin, stepTimeout)
	defer cancel()
	results := make(chan error, 12)
	for range cap(results) {
		go func() {
			_, err := e.svc.ResolveDispute(ctx, q.ID, 5, "half right")
			results <- err
		}()
	}
	var resolved int
	for range cap(results) {
		switch err := <-results; {
		case err == nil:
			resolved++
		case errs.Is(err, errs.Conflict):
		default:
			t.Errorf("a concurrent resolution: %v", err)
		}
	}
	if resolved != 1 {
		t.Fatalf("%d resolutions succeeded, want 1", resolved)
	}
}
