package wallet_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/posting"
	"backbone/ent/privacy"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/payment"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
	"backbone/internal/wallet"
	"backbone/internal/wallet/wallettest"
)

// dialects lists the databases the basic suite runs on, each a fresh migrated one.
var dialects = []struct {
	name string
	url  func(testing.TB) string
}{
	{"postgres", testenv.NewPostgresDB},
	{"sqlite", testenv.NewSQLiteURL},
}

// env is a migrated database with a wallet service over it.
type env struct {
	db  *db.DB
	svc *wallet.Service
}

func newEnv(tb testing.TB, url string, opts wallet.Options) *env {
	tb.Helper()
	d := dbtest.Open(tb, url)
	dev, err := payment.NewDevProvider("development")
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := wallet.NewService(wallet.Deps{Client: d.Client, Provider: dev}, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return &env{db: d, svc: svc}
}

// mustUser creates a user with role and returns a context in which that user is the viewer.
func (e *env) mustUser(tb testing.TB, role user.Role) (uuid.UUID, context.Context) {
	tb.Helper()
	u, err := e.db.Client.User.Create().SetEmail(testenv.RandomName("u") + "@example.com").
		SetDisplayName("Test").SetPasswordHash("unusable").SetRole(role).
		SetEmailVerified(true). // an account that opened its verification link
		Save(context.Background())
	if err != nil {
		tb.Fatalf("create user: %v", err)
	}
	if role == user.RoleEXPERT { // requestPayout needs one; its sealed bytes are never opened here
		err := e.db.Client.PayoutMethod.Create().SetUserID(u.ID).SetKind("PAYPAL").SetKeyID("fixture").
			SetDetailsSealed([]byte("fixture")).Exec(context.Background())
		if err != nil {
			tb.Fatalf("create payout method: %v", err)
		}
	}
	return u.ID, viewer.With(context.Background(), viewer.Principal{UserID: u.ID, Role: string(role)})
}

// mustBuy buys credits for the viewer of ctx.
func (e *env) mustBuy(tb testing.TB, ctx context.Context, credits int64) {
	tb.Helper()
	if _, err := e.svc.BuyCredits(ctx, wallet.BuyInput{Credits: credits, IdempotencyKey: uuid.NewString()}); err != nil {
		tb.Fatalf("BuyCredits: %v", err)
	}
}

// wallet returns the balance and held credits of a user, read as an admin.
func (e *env) wallet(tb testing.TB, id uuid.UUID) wallet.Wallet {
	tb.Helper()
	w, err := e.svc.Wallet(admin(), id)
	if err != nil {
		tb.Fatalf("Wallet: %v", err)
	}
	return w
}

// postings returns the amounts a ledger transaction posted, by account kind.
func (e *env) postings(tb testing.TB, txID uuid.UUID) map[string]int64 {
	tb.Helper()
	ps, err := e.db.Client.Posting.Query().Where(posting.TransactionID(txID)).WithAccount().All(allow())
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]int64{}
	for _, p := range ps {
		out[string(p.Edges.Account.Kind)] += p.Amount
	}
	if len(out) == 0 {
		tb.Fatalf("transaction %s has no postings", txID)
	}
	return out
}

// admin is a context whose viewer is an admin that exists nowhere: for reads only.
func admin() context.Context {
	return viewer.With(context.Background(), viewer.Principal{UserID: uuid.New(), Role: viewer.RoleAdmin})
}

// allow is a context that passes every privacy rule, for checks that read everything.
func allow() context.Context { return privacy.DecisionContext(context.Background(), privacy.Allow) }

// wantCode fails unless err carries code.
func wantCode(tb testing.TB, err error, code errs.Code) {
	tb.Helper()
	if errs.CodeOf(err) != code || err == nil {
		tb.Fatalf("error = %v; want code %s", err, code)
	}
}

// checkInvariants verifies the whole ledger (wallettest.CheckInvariants).
func checkInvariants(tb testing.TB, c *ent.Client) {
	tb.Helper()
	wallettest.CheckInvariants(tb, c)
}
