package wallet_test

import (
	"testing"

	"github.com/google/uuid"

	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/wallet"
)

func TestFeeRoundsInTheExpertsFavour(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		amount      int64
		bps         int
		fee, expert int64
	}{
		{"exact", 100, 2000, 20, 80},
		{"fraction rounds down", 7, 2000, 1, 6},
		{"just under one credit", 4, 2000, 0, 4},
		{"one credit", 1, 2000, 0, 1},
		{"odd rate", 100, 333, 3, 97},
		{"whole", 9, 10000, 9, 0},
		{"large amounts do not overflow", wallet.MaxAmount, 9999, wallet.MaxAmount / 10000 * 9999, wallet.MaxAmount / 10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fee := wallet.Fee(tt.amount, tt.bps)
			if fee != tt.fee || tt.amount-fee != tt.expert {
				t.Fatalf("Fee(%d, %d) = %d (expert %d); want %d (expert %d)", tt.amount, tt.bps, fee, tt.amount-fee, tt.fee, tt.expert)
			}
		})
	}
}

func TestCaptureAppliesTheConfiguredFee(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d.url(t), wallet.Options{FeeBPS: 1500})
			clientID, ctx := e.mustUser(t, user.RoleCLIENT)
			expertID, _ := e.mustUser(t, user.RoleEXPERT)
			e.mustBuy(t, ctx, 100)
			q := uuid.New()
			if _, err := e.svc.Hold(ctx, wallet.HoldInput{QuestionID: q, ClientID: clientID, Amount: 33, IdempotencyKey: "h"}); err != nil {
				t.Fatal(err)
			}
			// 15% of 33 is 4.95: the platform takes 4, the expert 29.
			r, err := e.svc.Capture(ctx, wallet.CaptureInput{QuestionID: q, ClientID: clientID, ExpertID: expertID, IdempotencyKey: "c"})
			if err != nil {
				t.Fatal(err)
			}
			wantPostings(t, e, r.TransactionID, map[string]int64{"ESCROW": -33, "EARNINGS": 29, "REVENUE": 4})
		})
	}
}

func TestNewServiceRejectsFeeOutOfRange(t *testing.T) {
	t.Parallel()
	for _, bps := range []int{-1, 10001} {
		if _, err := wallet.NewService(wallet.Deps{}, wallet.Options{FeeBPS: bps}); err == nil {
			t.Errorf("NewService accepted a fee of %d basis points", bps)
		}
	}
}

func TestCaptureFeeOfTheCallOverridesTheServiceRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		bps           int
		earn, revenue int64
	}{
		{"service default", 0, 80, 20},
		{"the call's rate", 1000, 90, 10},
		{"no fee", wallet.NoFee, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, dialects[0].url(t), wallet.Options{FeeBPS: 2000})
			clientID, ctx := e.mustUser(t, user.RoleCLIENT)
			expertID, _ := e.mustUser(t, user.RoleEXPERT)
			e.mustBuy(t, ctx, 100)
			q := uuid.New()
			if _, err := e.svc.Hold(ctx, wallet.HoldInput{QuestionID: q, ClientID: clientID, Amount: 100, IdempotencyKey: "h"}); err != nil {
				t.Fatal(err)
			}
			r, err := e.svc.Capture(ctx, wallet.CaptureInput{QuestionID: q, ClientID: clientID, ExpertID: expertID, FeeBPS: tt.bps, IdempotencyKey: "c"})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{"ESCROW": -100, "EARNINGS": tt.earn}
			if tt.revenue != 0 {
				want["REVENUE"] = tt.revenue
			}
			wantPostings(t, e, r.TransactionID, want)
		})
	}
}

func TestCaptureRefusesAFeeOutOfRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dialects[0].url(t), wallet.Options{})
	clientID, ctx := e.mustUser(t, user.RoleCLIENT)
	for _, bps := range []int{-2, 10001} {
		_, err := e.svc.Capture(ctx, wallet.CaptureInput{QuestionID: uuid.New(), ClientID: clientID, ExpertID: clientID, FeeBPS: bps, IdempotencyKey: "c"})
		if got := errs.CodeOf(err); got != errs.BadUserInput {
			t.Fatalf("fee %d: code %s, want BAD_USER_INPUT", bps, got)
		}
	}
}
