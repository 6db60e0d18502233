package wallet_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/wallet"
)

func TestLedgerEntriesAreVisibleToTheirOwnerOnly(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d.url(t), wallet.Options{})
			aliceID, alice := e.mustUser(t, user.RoleCLIENT)
			bobID, bob := e.mustUser(t, user.RoleCLIENT)
			_, adminCtx := e.mustUser(t, user.RoleADMIN)
			e.mustBuy(t, alice, 50)
			e.mustBuy(t, bob, 20)
			if _, err := e.svc.Hold(alice, wallet.HoldInput{QuestionID: uuid.New(), ClientID: aliceID, Amount: 10, IdempotencyKey: "h"}); err != nil {
				t.Fatal(err)
			}
			count := func(q interface {
				Count(ctx context.Context) (int, error)
			}, ctx context.Context) int {
				t.Helper()
				n, err := q.Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			entries := func(ctx context.Context, owner uuid.UUID) *ent.PostingQuery {
				t.Helper()
				q, err := e.svc.LedgerEntries(ctx, owner)
				if err != nil {
					t.Fatal(err)
				}
				return q
			}
			// Alice: purchase (wallet) and hold (wallet, escrow) = 3 postings.
			if n := count(entries(alice, aliceID), alice); n != 3 {
				t.Errorf("alice sees %d of her entries, want 3", n)
			}
			if n := count(entries(bob, aliceID), bob); n != 0 {
				t.Errorf("bob sees %d of alice's entries, want 0", n)
			}
			if n := count(entries(adminCtx, bobID), adminCtx); n != 1 {
				t.Errorf("admin sees %d of bob's entries, want 1", n)
			}
			accounts, err := e.svc.Accounts(bob, wallet.AccountFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if n := count(accounts, bob); n != 1 {
				t.Errorf("bob sees %d accounts, want his wallet only", n)
			}
			// Ledger transactions: bob sees his purchase only.
			if n := count(e.db.Client.LedgerTransaction.Query(), bob); n != 1 {
				t.Errorf("bob sees %d transactions, want 1", n)
			}
			if _, err := e.svc.LedgerEntries(context.Background(), aliceID); errs.CodeOf(err) != errs.Unauthenticated {
				t.Errorf("ledger entries without a viewer: %v, want %s", err, errs.Unauthenticated)
			}
			if _, err := e.svc.Wallet(bob, aliceID); err == nil {
				t.Error("bob read alice's wallet")
			}
		})
	}
}

// TestAdminReadsOfAnotherUsersMoneyNameTheUser: an admin asking for the wallet of a user
// who does not exist, or the earnings of one who is not an expert, gets NOT_FOUND (they
// answered zeros, as an empty account would); an expert who earned nothing yet, and any
// caller's own wallet, answer zeros.
func TestAdminReadsOfAnotherUsersMoneyNameTheUser(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d.url(t), wallet.Options{})
			clientID, clientCtx := e.mustUser(t, user.RoleCLIENT)
			expertID, expertCtx := e.mustUser(t, user.RoleEXPERT)
			_, adminCtx := e.mustUser(t, user.RoleADMIN)
			if _, err := e.svc.Wallet(adminCtx, uuid.New()); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("wallet of no one: %v, want NOT_FOUND", err)
			}
			if _, err := e.svc.Earnings(adminCtx, uuid.New()); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("earnings of no one: %v, want NOT_FOUND", err)
			}
			if _, err := e.svc.Earnings(adminCtx, clientID); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("earnings of a client: %v, want NOT_FOUND", err)
			}
			for name, read := range map[string]func() error{
				"a client's wallet, by an admin":    func() error { _, err := e.svc.Wallet(adminCtx, clientID); return err },
				"an expert's earnings, by an admin": func() error { _, err := e.svc.Earnings(adminCtx, expertID); return err },
				"a client's own wallet":             func() error { _, err := e.svc.Wallet(clientCtx, clientID); return err },
				"an expert's own earnings":          func() error { _, err := e.svc.Earnings(expertCtx, expertID); return err },
			} {
				if err := read(); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
}
