package schema

import (
	"context"

	"entgo.io/ent/entql"

	"backbone/ent/privacy"
	"backbone/internal/viewer"
)

// Ledger kinds, shared by the schemas of the double-entry ledger (package wallet writes them).

// accountKinds are the kinds of ledger account. WALLET, EARNINGS and PAYOUT (credits an
// expert asked to be paid out, awaiting an admin) belong to a user; ESCROW holds a
// question's price and belongs to the client who asked it; REVENUE and EXTERNAL (the
// world outside the platform, the only account that may go negative) are singletons.
var accountKinds = []string{"WALLET", "ESCROW", "EARNINGS", "PAYOUT", "REVENUE", "EXTERNAL"}

// transactionKinds are the kinds of ledger transaction, one per money operation.
var transactionKinds = []string{
	"PURCHASE", "GRANT", "HOLD", "CAPTURE", "RELEASE",
	"PAYOUT_REQUEST", "PAYOUT_APPROVE", "PAYOUT_REJECT", "PURCHASE_REFUND",
}

// allowViaEdge lets a viewer read a row when one of its neighbours over edge has the
// viewer's id in column: a ledger transaction is visible to those it has postings for.
func allowViaEdge(edge, column string) privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		p, ok := viewer.From(ctx)
		if !ok {
			return privacy.Denyf("no viewer")
		}
		f.Where(entql.HasEdgeWith(edge, entql.FieldEQ(column, p.UserID)))
		return privacy.Allow
	})
}
