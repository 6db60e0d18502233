package wallet_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"backbone/ent"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/testenv"
	"backbone/internal/wallet"
)

// kinds reads ledger_transactions_total by kind.
func kinds(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	return out
}

func TestTransactionsAreCountedOnceCommitted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.NewSQLiteURL(t), wallet.Options{})
	reg := prometheus.NewRegistry()
	h, err := wallet.CountTransactions(reg)
	if err != nil {
		t.Fatal(err)
	}
	e.db.Client.LedgerTransaction.Use(h)
	clientID, ctx := e.mustUser(t, user.RoleCLIENT)
	e.mustBuy(t, ctx, 100) // a transaction of the wallet's own

	hold := func(amount int64, after error) error {
		return db.InTx(context.Background(), e.db.Client, func(tx *ent.Client) error {
			_, err := e.svc.HoldTx(ctx, tx, wallet.HoldInput{QuestionID: uuid.New(), ClientID: clientID, Amount: amount, IdempotencyKey: uuid.NewString()})
			return errors.Join(err, after)
		})
	}
	rollback := errors.New("the caller rolls back")
	if err := hold(10, rollback); !errors.Is(err, rollback) {
		t.Fatalf("hold then roll back = %v", err)
	}
	if err := hold(1000, nil); err == nil {
		t.Fatal("a hold past the balance succeeded")
	}
	if err := hold(10, nil); err != nil { // the caller's transaction commits
		t.Fatal(err)
	}
	got := kinds(t, reg)
	if got["PURCHASE"] != 1 || got["HOLD"] != 1 || len(got) != 2 {
		t.Fatalf("ledger_transactions_total = %v, want PURCHASE 1 and HOLD 1", got)
	}
}
