package wallet

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/creditpurchase"
	"backbone/ent/ledgertransaction"
	"backbone/internal/audit"
	"backbone/internal/auth"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/payment"
	"backbone/internal/settings"
	"backbone/internal/textx"
	"backbone/internal/timex"
	"backbone/internal/viewer"
)

// BuyInput asks for credits: a pack by id, or a credit count (which must be a pack's
// when the provider charges money). Retrying with the same IdempotencyKey buys once.
type BuyInput struct {
	Pack string
	// Credits is 0 when not given; a caller that asked for 0 passes a negative count.
	Credits        int64
	IdempotencyKey string
}

// Purchase is the outcome of BuyCredits: the purchase as it stands.
type Purchase struct {
	*ent.CreditPurchase
	// Replayed is true when an earlier call with the same key made this purchase.
	Replayed bool
}

// BuyCredits buys credits for the caller through the payment provider. The purchase row
// is written first (one per caller and key), then the provider is called outside any
// transaction with the purchase's id and idempotency key, so that a retry, or a
// concurrent duplicate, is one payment (Stripe returns the same Checkout Session). The
// development provider completes at once and the wallet is credited; Stripe's checkout
// is PENDING until its webhook reports the payment. Errors: UNAUTHENTICATED, FORBIDDEN
// (not a client), BAD_USER_INPUT (no such pack), CONFLICT (key reused for another
// purchase), UNAVAILABLE (no provider, or the provider failed: retry with the same key).
func (s *Service) BuyCredits(ctx context.Context, in BuyInput) (*Purchase, error) {
	const op = "wallet.BuyCredits"
	p, err := viewer.Required(ctx)
	if err != nil {
		return nil, err
	}
	// Credits are spent on questions, which only clients ask: anyone else would pay for
	// credits of no use.
	if p.Role != viewer.RoleClient {
		return nil, errs.E(errs.Forbidden, "only clients buy credits")
	}
	if err := CheckKey(in.IdempotencyKey); err != nil {
		return nil, err
	}
	if s.provider == nil {
		return nil, errs.E(errs.Unavailable, "buying credits is not available")
	}
	if err := auth.RequireVerifiedClient(ctx, s.client, p.UserID, "buy credits"); err != nil {
		return nil, err
	}
	// A retry replays its purchase whatever the packs on sale are now.
	row, err := s.client.CreditPurchase.Query().Where(creditpurchase.UserID(p.UserID),
		creditpurchase.IdempotencyKey(in.IdempotencyKey)).Only(db.System(ctx))
	created := false
	switch {
	case err == nil && (in.Pack != "" || in.Credits != 0) &&
		(in.Pack == "" || in.Pack == row.PackID) && (in.Credits == 0 || in.Credits == row.Credits):
		ctx = db.System(ctx)
	case err != nil && !ent.IsNotFound(err):
		return nil, errs.Wrap(op, err)
	default:
		pack, err := s.packFor(ctx, in)
		if err != nil {
			return nil, err
		}
		ctx = db.System(ctx)
		if row, created, err = s.purchaseRow(ctx, p.UserID, in.IdempotencyKey, pack); err != nil {
			return nil, errs.Wrap(op, err)
		}
	}
	if row.Status == creditpurchase.StatusPENDING && row.ProviderRef == "" {
		if row, err = s.checkout(ctx, row); err != nil {
			return nil, &errs.Error{Code: errs.Unavailable, Message: "the payment provider is unavailable; retry with the same idempotencyKey", Op: op, Err: err}
		}
	}
	return &Purchase{CreditPurchase: row, Replayed: !created}, nil
}

// packFor resolves what in asks for. A credit count that no pack has is sold only by a
// provider that charges nothing (the development one), as a purchase without a pack.
func (s *Service) packFor(ctx context.Context, in BuyInput) (settings.CreditPack, error) {
	st := settings.Defaults()
	if s.settings != nil {
		var err error
		if st, err = s.settings.Get(ctx); err != nil {
			return settings.CreditPack{}, err
		}
	}
	switch {
	case len(st.CreditPacks) == 0:
		// The admins took every pack off sale: that stops sales, the development
		// provider's counts of no pack included.
		return settings.CreditPack{}, errs.E(errs.Unavailable, "no credit packs are on sale (settings.creditPacks is empty)")
	case in.Credits < 0 || in.Credits > MaxPurchase || (in.Credits == 0 && in.Pack == ""):
		// Checked first, with a pack too: an asked-for 0 arrives as -1 (BuyInput), which
		// "pack has 100 credits, not -1" would show.
		return settings.CreditPack{}, errs.Ef(errs.BadUserInput, "credits must be between 1 and %d", MaxPurchase).With("field", "credits")
	case in.Pack != "":
		// Bounded as no pack has a longer id, before the message below echoes it.
		id, err := textx.Plain("pack", in.Pack, settings.MaxPackID, true)
		if err != nil {
			return settings.CreditPack{}, err
		}
		pk, ok := st.Pack(id)
		if !ok {
			return pk, errs.Ef(errs.BadUserInput, "there is no credit pack %q; see settings.creditPacks", id).With("field", "pack")
		}
		if in.Credits != 0 && in.Credits != pk.Credits {
			return pk, errs.Ef(errs.BadUserInput, "pack %q has %d credits, not %d", pk.ID, pk.Credits, in.Credits).With("field", "credits")
		}
		return pk, nil
	}
	if pk, ok := st.PackOf(in.Credits); ok {
		return pk, nil
	}
	if payment.Charges(s.provider) {
		return settings.CreditPack{}, errs.Ef(errs.BadUserInput, "no credit pack has %d credits; buy one of settings.creditPacks", in.Credits).With("field", "credits")
	}
	return settings.CreditPack{Credits: in.Credits}, nil
}

// purchaseRow returns the caller's purchase of key, creating it (PENDING) if there is
// none; created tells which. The unique (user, key) index decides between concurrent
// duplicates. The same key for another pack or count is CONFLICT.
func (s *Service) purchaseRow(ctx context.Context, userID uuid.UUID, key string, pk settings.CreditPack) (*ent.CreditPurchase, bool, error) {
	create := s.client.CreditPurchase.Create().SetUserID(userID).SetIdempotencyKey(key).
		SetCredits(pk.Credits).SetAmount(pk.Price).SetProvider(s.provider.Name())
	if pk.ID != "" {
		create.SetPackID(pk.ID).SetCurrency(pk.Currency)
	}
	id, err := create.OnConflictColumns(creditpurchase.FieldUserID, creditpurchase.FieldIdempotencyKey).DoNothing().ID(ctx)
	created := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, false, err
	}
	q := s.client.CreditPurchase.Query().Where(creditpurchase.UserID(userID), creditpurchase.IdempotencyKey(key))
	if created {
		q = s.client.CreditPurchase.Query().Where(creditpurchase.ID(id))
	}
	row, err := q.Only(ctx)
	if err != nil {
		return nil, false, err
	}
	if row.Credits != pk.Credits || row.PackID != pk.ID {
		return nil, false, errs.E(errs.Conflict, "this idempotency key was used with a different request").
			With("field", "idempotencyKey")
	}
	return row, created, nil
}

// providerKey is the idempotency key a purchase gives its provider: the buyer's key,
// scoped by the buyer, because the provider's keys are per merchant account (two
// buyers may both choose "1").
func providerKey(row *ent.CreditPurchase) string {
	return row.UserID.String() + ":" + row.IdempotencyKey
}

// checkout asks the provider to charge for row and records its answer.
func (s *Service) checkout(ctx context.Context, row *ent.CreditPurchase) (*ent.CreditPurchase, error) {
	co, err := s.provider.Checkout(ctx, payment.CheckoutRequest{
		UserID: row.UserID, Credits: row.Credits, PurchaseID: row.ID, IdempotencyKey: providerKey(row),
		Pack: row.PackID, Amount: row.Amount, Currency: row.Currency,
	})
	if err != nil {
		return nil, err
	}
	_, err = inTx(ctx, s.client, "wallet.checkout", func(tx *ent.Client) (struct{}, error) {
		// Of concurrent duplicates, which got the same checkout, the first records it.
		err := tx.CreditPurchase.Update().
			Where(creditpurchase.ID(row.ID), creditpurchase.Or(creditpurchase.ProviderRefIsNil(), creditpurchase.ProviderRefEQ(""))).
			SetProviderRef(co.ProviderRef).SetCheckoutURL(co.RedirectURL).SetUpdatedAt(timex.Now()).Exec(ctx)
		if err != nil || co.Status != payment.Completed {
			return struct{}{}, err
		}
		locked, err := lockPurchase(ctx, tx, row.ID)
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, s.credit(ctx, tx, locked, payment.PurchaseUpdate{Provider: s.provider.Name(), CheckoutRef: co.ProviderRef})
	})
	if err != nil {
		return nil, err
	}
	return s.client.CreditPurchase.Get(ctx, row.ID)
}

// lockPurchase reads a purchase and locks its row until tx ends (on PostgreSQL; a SQLite
// transaction already holds the database's write lock): the updates of one purchase
// happen one after the other.
func lockPurchase(ctx context.Context, tx *ent.Client, id uuid.UUID) (*ent.CreditPurchase, error) {
	return tx.CreditPurchase.Query().Where(creditpurchase.ID(id)).
		Modify(db.ForUpdate).Only(ctx)
}

// credit completes a paid purchase, in tx, once: the wallet gets the credits from
// EXTERNAL, audited. A purchase already credited is left as it is.
func (s *Service) credit(ctx context.Context, tx *ent.Client, row *ent.CreditPurchase, u payment.PurchaseUpdate) error {
	if row.TransactionID != nil {
		return nil
	}
	txID, at := newID(), timex.Now()
	upd := tx.CreditPurchase.UpdateOneID(row.ID).SetStatus(creditpurchase.StatusCOMPLETED).
		SetTransactionID(txID).SetCompletedAt(at).SetUpdatedAt(at)
	if u.PaymentRef != "" {
		upd.SetPaymentRef(u.PaymentRef)
	}
	if err := upd.Exec(ctx); err != nil {
		return err
	}
	ref := u.CheckoutRef
	if ref == "" {
		ref = row.ProviderRef
	}
	err := post(ctx, tx, entry{id: txID, kind: ledgertransaction.KindPURCHASE, actor: &row.UserID,
		memo: truncate(row.Provider+":"+ref, 500),
		legs: []leg{{externalAcct(), -row.Credits}, {walletAcct(row.UserID), row.Credits}}})
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "wallet.purchase.completed", TargetType: "CreditPurchase",
		TargetID: row.ID.String(), Actor: &row.UserID, Metadata: map[string]any{
			"credits": row.Credits, "pack": row.PackID, "amount": row.Amount, "currency": row.Currency,
			"provider": row.Provider, "providerRef": ref, "transactionId": txID.String()}})
}

// PurchaseFilter narrows CreditPurchases.
type PurchaseFilter struct {
	Status  *creditpurchase.Status
	Flagged *bool
}

// CreditPurchases returns the query of purchases: the viewer's own, or every one for an
// admin (the read rules decide). Errors: UNAUTHENTICATED.
func (s *Service) CreditPurchases(ctx context.Context, f PurchaseFilter) (*ent.CreditPurchaseQuery, error) {
	return signedIn(ctx, s.client.CreditPurchase.Query().Where(slices.Concat(
		db.IfSet(f.Status, creditpurchase.StatusEQ),
		db.IfSet(f.Flagged, creditpurchase.Flagged),
	)...))
}

// cleanReason bounds a flag reason to its column.
func cleanReason(s string) string { return truncate(strings.TrimSpace(s), 500) }
