package wallet_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/creditpurchase"
	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/wallet"
)

func TestOperationsPostBalancedEntries(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d.url(t), wallet.Options{})
			clientID, clientCtx := e.mustUser(t, user.RoleCLIENT)
			expertID, _ := e.mustUser(t, user.RoleEXPERT)
			_, adminCtx := e.mustUser(t, user.RoleADMIN)

			buy, err := e.svc.BuyCredits(clientCtx, wallet.BuyInput{Credits: 100, IdempotencyKey: "buy-1"})
			if err != nil || buy.Status != creditpurchase.StatusCOMPLETED || buy.TransactionID == nil {
				t.Fatalf("BuyCredits = %+v, %v", buy, err)
			}
			wantPostings(t, e, *buy.TransactionID, map[string]int64{"EXTERNAL": -100, "WALLET": 100})

			grant, err := e.svc.GrantCredits(adminCtx, wallet.GrantInput{UserID: clientID, Amount: 20, Reason: "welcome", IdempotencyKey: "g-1"})
			if err != nil {
				t.Fatal(err)
			}
			wantPostings(t, e, grant.TransactionID, map[string]int64{"EXTERNAL": -20, "WALLET": 20})

			q1, q2 := uuid.New(), uuid.New()
			hold, err := e.svc.Hold(clientCtx, wallet.HoldInput{QuestionID: q1, ClientID: clientID, Amount: 50, IdempotencyKey: "submit"})
			if err != nil {
				t.Fatal(err)
			}
			wantPostings(t, e, hold.TransactionID, map[string]int64{"WALLET": -50, "ESCROW": 50})
			if _, err := e.svc.Hold(clientCtx, wallet.HoldInput{QuestionID: q2, ClientID: clientID, Amount: 30, IdempotencyKey: "submit"}); err != nil {
				t.Fatal(err)
			}
			if w := e.wallet(t, clientID); w != (wallet.Wallet{Balance: 40, Held: 80}) {
				t.Fatalf("wallet after holds = %+v, want balance 40, held 80", w)
			}

			capture, err := e.svc.Capture(clientCtx, wallet.CaptureInput{QuestionID: q1, ClientID: clientID, ExpertID: expertID, IdempotencyKey: "accept"})
			if err != nil {
				t.Fatal(err)
			}
			if capture.Amount != 50 || capture.Fee != 10 {
				t.Fatalf("capture = %+v, want amount 50 fee 10", capture)
			}
			wantPostings(t, e, capture.TransactionID, map[string]int64{"ESCROW": -50, "EARNINGS": 40, "REVENUE": 10})

			release, err := e.svc.Release(clientCtx, wallet.ReleaseInput{QuestionID: q2, ClientID: clientID, IdempotencyKey: "cancel"})
			if err != nil {
				t.Fatal(err)
			}
			wantPostings(t, e, release.TransactionID, map[string]int64{"ESCROW": -30, "WALLET": 30})
			if w := e.wallet(t, clientID); w != (wallet.Wallet{Balance: 70, Held: 0}) {
				t.Fatalf("wallet after refund = %+v, want balance 70, held 0", w)
			}
			if rev, err := e.svc.PlatformRevenue(adminCtx); err != nil || rev != 10 {
				t.Fatalf("PlatformRevenue = %d, %v; want 10", rev, err)
			}
			_, err = e.svc.Release(clientCtx, wallet.ReleaseInput{QuestionID: q1, ClientID: clientID, IdempotencyKey: "late"})
			wantCode(t, err, errs.Conflict)
			checkInvariants(t, e.db.Client)
		})
	}
}

func TestHoldRefusesOverdraftWithShortfall(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d.url(t), wallet.Options{})
			clientID, ctx := e.mustUser(t, user.RoleCLIENT)
			q := uuid.New()
			// Without a wallet at all, then with too little in it.
			for _, tc := range []struct {
				buy, shortfall int64
			}{{0, 30}, {12, 18}} {
				if tc.buy > 0 {
					e.mustBuy(t, ctx, tc.buy)
				}
				_, err := e.svc.Hold(ctx, wallet.HoldInput{QuestionID: q, ClientID: clientID, Amount: 30, IdempotencyKey: uuid.NewString()})
				wantCode(t, err, errs.InsufficientCredits)
				var ce *errs.Error
				if !errors.As(err, &ce) || ce.Extensions["shortfall"] != tc.shortfall {
					t.Fatalf("extensions = %v, want shortfall %d", ce.Extensions, tc.shortfall)
				}
			}
			if w := e.wallet(t, clientID); w != (wallet.Wallet{Balance: 12}) {
				t.Fatalf("wallet = %+v after refused holds, want balance 12", w)
			}
			checkInvariants(t, e.db.Client)
		})
	}
}

func TestOperationsRejectBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dialects[1].url(t), wallet.Options{})
	clientID, clientCtx := e.mustUser(t, user.RoleCLIENT)
	_, expertCtx := e.mustUser(t, user.RoleEXPERT)
	_, adminCtx := e.mustUser(t, user.RoleADMIN)
	q := uuid.New()
	tests := []struct {
		name string
		do   func() error
		code errs.Code
	}{
		{"zero purchase", func() error {
			_, err := e.svc.BuyCredits(clientCtx, wallet.BuyInput{Credits: 0, IdempotencyKey: "k"})
			return err
		}, errs.BadUserInput},
		{"purchase without key", func() error {
			_, err := e.svc.BuyCredits(clientCtx, wallet.BuyInput{Credits: 5, IdempotencyKey: ""})
			return err
		}, errs.BadUserInput},
		{"purchase signed out", func() error {
			_, err := e.svc.BuyCredits(context.Background(), wallet.BuyInput{Credits: 5, IdempotencyKey: "k"})
			return err
		}, errs.Unauthenticated},
		{"a pack id of 100,000 characters", func() error {
			return wantShortMessage(e.svc.BuyCredits(clientCtx, wallet.BuyInput{Pack: strings.Repeat("x", 100_000), IdempotencyKey: "k"}))
		}, errs.BadUserInput},
		{"a pack id of 100,000 spaces and a letter", func() error {
			return wantShortMessage(e.svc.BuyCredits(clientCtx, wallet.BuyInput{Pack: strings.Repeat(" ", 100_000) + "x", IdempotencyKey: "k"}))
		}, errs.BadUserInput},
		// Only a client spends credits: an expert or an admin paid for credits of no use.
		{"purchase by an expert", func() error {
			_, err := e.svc.BuyCredits(expertCtx, wallet.BuyInput{Credits: 5, IdempotencyKey: "k"})
			return err
		}, errs.Forbidden},
		{"purchase by an admin", func() error {
			_, err := e.svc.BuyCredits(adminCtx, wallet.BuyInput{Credits: 5, IdempotencyKey: "k"})
			return err
		}, errs.Forbidden},
		{"negative hold", func() error {
			_, err := e.svc.Hold(clientCtx, wallet.HoldInput{QuestionID: q, ClientID: clientID, Amount: -5, IdempotencyKey: "k"})
			return err
		}, errs.BadUserInput},
		{"grant by a client", func() error {
			_, err := e.svc.GrantCredits(clientCtx, wallet.GrantInput{UserID: clientID, Amount: 5, Reason: "r", IdempotencyKey: "k"})
			return err
		}, errs.Forbidden},
		{"grant without reason", func() error {
			_, err := e.svc.GrantCredits(adminCtx, wallet.GrantInput{UserID: clientID, Amount: 5, Reason: "  ", IdempotencyKey: "k"})
			return err
		}, errs.BadUserInput},
		{"grant of no credits", func() error {
			_, err := e.svc.GrantCredits(adminCtx, wallet.GrantInput{UserID: clientID, Amount: 0, Reason: "r", IdempotencyKey: "k"})
			// The field is grantCredits' argument, credits (it said amount).
			if ee := (*errs.Error)(nil); errors.As(err, &ee) && ee.Extensions["field"] != "credits" {
				return fmt.Errorf("field %v, want credits: %v", ee.Extensions["field"], err) // no code: fails
			}
			return err
		}, errs.BadUserInput},
		{"grant to nobody", func() error {
			_, err := e.svc.GrantCredits(adminCtx, wallet.GrantInput{UserID: uuid.New(), Amount: 5, Reason: "r", IdempotencyKey: "k"})
			return err
		}, errs.NotFound},
		{"payout by a client", func() error { _, err := e.svc.RequestPayout(clientCtx, 5, "k"); return err }, errs.Forbidden},
		{"someone else's wallet", func() error { _, err := e.svc.Wallet(clientCtx, uuid.New()); return err }, errs.Forbidden},
		{"revenue by a client", func() error { _, err := e.svc.PlatformRevenue(clientCtx); return err }, errs.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.do(), tt.code) })
	}
}

// wantShortMessage returns err, or an error without a code when its message is long: an
// unknown pack id was echoed in full (there is no credit pack "xxx…").
func wantShortMessage(_ *wallet.Purchase, err error) error {
	if err != nil && len(err.Error()) > 200 {
		return fmt.Errorf("a message of %d bytes: %.100s…", len(err.Error()), err)
	}
	return err
}

func wantPostings(tb testing.TB, e *env, txID uuid.UUID, want map[string]int64) {
	tb.Helper()
	if got := e.postings(tb, txID); !maps.Equal(got, want) {
		tb.Fatalf("postings of %s = %v, want %v", txID, got, want)
	}
}
