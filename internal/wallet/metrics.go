package wallet

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/ent"
	"backbone/ent/hook"
)

// CountTransactions registers ledger_transactions_total{kind} in reg and returns the ent
// hook that feeds it: a ledger transaction is counted once the database transaction that
// wrote it commits (one that rolls back is not), whichever service owned that
// transaction. Install it with client.LedgerTransaction.Use.
func CountTransactions(reg prometheus.Registerer) (ent.Hook, error) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ledger_transactions_total",
		Help: "Ledger transactions committed by this process, by kind.",
	}, []string{"kind"})
	if err := reg.Register(vec); err != nil {
		return nil, fmt.Errorf("ledger metrics: %w", err)
	}
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.LedgerTransactionFunc(func(ctx context.Context, m *ent.LedgerTransactionMutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			kind, _ := m.Kind()
			counter := vec.WithLabelValues(string(kind))
			tx, err := m.Tx()
			if err != nil { // not in a transaction: already committed
				counter.Inc()
				return v, nil
			}
			tx.OnCommit(func(commit ent.Committer) ent.Committer {
				return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
					err := commit.Commit(ctx, tx)
					if err == nil {
						counter.Inc()
					}
					return err
				})
			})
			return v, nil
		})
	}, ent.OpCreate), nil
}
