package graph

import (
	"context"

	"entgo.io/contrib/entgql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/creditpurchase"
	"backbone/internal/settings"
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

var newestPurchasesFirst = ent.WithCreditPurchaseOrder(&ent.CreditPurchaseOrder{
	Direction: entgql.OrderDirectionDesc, Field: ent.CreditPurchaseOrderFieldCreatedAt,
})

// buyCredits buys a pack, named by id or by its credits.
func (r *Resolver) buyCredits(ctx context.Context, credits *int, pack *string, key string) (*ent.CreditPurchase, error) {
	in := wallet.BuyInput{Pack: deref(pack), IdempotencyKey: key}
	if credits != nil {
		in.Credits = int64(*credits)
		if in.Credits == 0 {
			in.Credits = -1 // asked for zero credits: refused, not read as "not given"
		}
	}
	p, err := r.Ledger.BuyCredits(ctx, in)
	if err != nil {
		return nil, err
	}
	return p.CreditPurchase, nil
}

// purchasePack is the pack a purchase bought, as it was then.
func purchasePack(p *ent.CreditPurchase) *settings.CreditPack {
	if p.PackID == "" {
		return nil
	}
	return &settings.CreditPack{ID: p.PackID, Credits: p.Credits, Price: p.Amount, Currency: p.Currency}
}

// purchaseCheckoutURL is where the buyer pays, while there is something to pay.
func purchaseCheckoutURL(p *ent.CreditPurchase) *string {
	if p.Status != creditpurchase.StatusPENDING {
		return nil
	}
	return nonEmpty(p.CheckoutURL)
}
