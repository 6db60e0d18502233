// Package wallettest checks the ledger in tests of the packages that move credits.
package wallettest

import (
	"testing"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/account"
	"backbone/internal/db"
)

// CheckInvariants verifies the whole ledger: every transaction sums to zero over two or
// more postings, every balance equals the sum of its postings, all balances sum to zero,
// and only EXTERNAL is negative.
func CheckInvariants(tb testing.TB, c *ent.Client) {
	tb.Helper()
	ctx := db.System(tb.Context())
	txs, err := c.LedgerTransaction.Query().WithPostings().All(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	perAccount := map[uuid.UUID]int64{}
	for _, t := range txs {
		var sum int64
		for _, p := range t.Edges.Postings {
			sum += p.Amount
			perAccount[p.AccountID] += p.Amount
		}
		if sum != 0 || len(t.Edges.Postings) < 2 {
			tb.Errorf("transaction %s (%s): %d postings summing to %d", t.ID, t.Kind, len(t.Edges.Postings), sum)
		}
	}
	accounts, err := c.Account.Query().All(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	var total int64
	for _, a := range accounts {
		total += a.Balance
		if a.Balance != perAccount[a.ID] {
			tb.Errorf("account %s (%s): balance %d, postings sum %d", a.ID, a.Kind, a.Balance, perAccount[a.ID])
		}
		if a.Balance < 0 && a.Kind != account.KindEXTERNAL {
			tb.Errorf("account %s (%s) is negative: %d", a.ID, a.Kind, a.Balance)
		}
	}
	if total != 0 {
		tb.Errorf("all balances sum to %d, want 0", total)
	}
}
