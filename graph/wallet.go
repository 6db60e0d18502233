package graph

import (
	"context"

	"entgo.io/contrib/entgql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/viewer"
	"backbone/internal/wallet"
)

// Orders of the wallet's connections: newest first.
var (
	newestPostingsFirst = ent.WithPostingOrder(&ent.PostingOrder{
		Direction: entgql.OrderDirectionDesc, Field: ent.PostingOrderFieldCreatedAt,
	})
	newestPayoutsFirst = ent.WithPayoutOrder(&ent.PayoutOrder{
		Direction: entgql.OrderDirectionDesc, Field: ent.PayoutOrderFieldCreatedAt,
	})
)

func (r *Resolver) myWallet(ctx context.Context) (*wallet.Wallet, error) {
	p, _ := viewer.From(ctx)
	return r.userWallet(ctx, p.UserID)
}

func (r *Resolver) userWallet(ctx context.Context, id uuid.UUID) (*wallet.Wallet, error) {
	w, err := r.Ledger.Wallet(ctx, id)
	if err != nil {
		return nil, err
	}
	return &w, nil
}

func (r *Resolver) userEarnings(ctx context.Context, id uuid.UUID) (*wallet.Earnings, error) {
	e, err := r.Ledger.Earnings(ctx, id)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// nonEmpty is s, or nil when s is empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
