package wallet_test

import (
	"sync"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/wallet"
)

func TestIdempotencyKeyReplaysOrConflicts(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d.url(t), wallet.Options{})
			clientID, ctx := e.mustUser(t, user.RoleCLIENT)
			otherID, otherCtx := e.mustUser(t, user.RoleCLIENT)

			first, err := e.svc.BuyCredits(ctx, wallet.BuyInput{Credits: 100, IdempotencyKey: "k1"})
			if err != nil {
				t.Fatal(err)
			}
			again, err := e.svc.BuyCredits(ctx, wallet.BuyInput{Credits: 100, IdempotencyKey: "k1"})
			if err != nil || !again.Replayed || *again.TransactionID != *first.TransactionID {
				t.Fatalf("replay = %+v, %v; want the first receipt, replayed", again, err)
			}
			_, err = e.svc.BuyCredits(ctx, wallet.BuyInput{Credits: 101, IdempotencyKey: "k1"})
			wantCode(t, err, errs.Conflict)
			// Keys are scoped per caller: another user's k1 is a new purchase.
			if p, err := e.svc.BuyCredits(otherCtx, wallet.BuyInput{Credits: 7, IdempotencyKey: "k1"}); err != nil || p.Replayed {
				t.Fatalf("other user's k1 = %+v, %v; want a fresh purchase", p, err)
			}

			q := uuid.New()
			in := wallet.HoldInput{QuestionID: q, ClientID: clientID, Amount: 40, IdempotencyKey: "h"}
			h1, err := e.svc.Hold(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			h2, err := e.svc.Hold(ctx, in)
			if err != nil || !h2.Replayed || h2.TransactionID != h1.TransactionID {
				t.Fatalf("hold replay = %+v, %v", h2, err)
			}
			in.Amount = 41
			_, err = e.svc.Hold(ctx, in)
			wantCode(t, err, errs.Conflict)
			// A failed call leaves its key unused: a retry with more credits goes through.
			big := wallet.HoldInput{QuestionID: q, ClientID: clientID, Amount: 1000, IdempotencyKey: "big"}
			_, err = e.svc.Hold(ctx, big)
			wantCode(t, err, errs.InsufficientCredits)
			e.mustBuy(t, ctx, 1000)
			if r, err := e.svc.Hold(ctx, big); err != nil || r.Replayed {
				t.Fatalf("retried hold = %+v, %v", r, err)
			}

			if w := e.wallet(t, clientID); w != (wallet.Wallet{Balance: 60, Held: 1040}) {
				t.Fatalf("wallet = %+v, want balance 60 held 1040", w)
			}
			if w := e.wallet(t, otherID); w.Balance != 7 {
				t.Fatalf("other wallet = %+v, want 7", w)
			}
			checkInvariants(t, e.db.Client)
		})
	}
}

func TestConcurrentDuplicatesTakeEffectOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dialects[0].url(t), wallet.Options{})
	clientID, ctx := e.mustUser(t, user.RoleCLIENT)
	e.mustBuy(t, ctx, 1000)
	q := uuid.New()
	const n = 16
	receipts := make([]wallet.Receipt, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := e.svc.Hold(ctx, wallet.HoldInput{QuestionID: q, ClientID: clientID, Amount: 10, IdempotencyKey: "same"})
			if err != nil {
				t.Errorf("Hold: %v", err)
			}
			receipts[i] = r
		})
	}
	wg.Wait()
	fresh := 0
	for _, r := range receipts {
		if !r.Replayed {
			fresh++
		}
		if r.TransactionID != receipts[0].TransactionID {
			t.Fatalf("receipts differ: %v and %v", r.TransactionID, receipts[0].TransactionID)
		}
	}
	if fresh != 1 {
		t.Fatalf("%d calls took effect, want 1", fresh)
	}
	if w := e.wallet(t, clientID); w != (wallet.Wallet{Balance: 990, Held: 10}) {
		t.Fatalf("wallet = %+v, want balance 990 held 10", w)
	}
	checkInvariants(t, e.db.Client)
}
