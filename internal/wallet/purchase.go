package wallet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/idempotencykey"
	"backbone/ent/ledgertransaction"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/auth"
	"backbone/internal/errs"
	"backbone/internal/payment"
	"backbone/internal/viewer"
)

// MaxPurchase bounds the credits of one purchase or grant.
const MaxPurchase = int64(1_000_000)

// Purchase is the outcome of BuyCredits.
type Purchase struct {
	// Status is payment.Completed when the wallet was credited, payment.Pending when the
	// buyer still has to pay at Checkout.RedirectURL (the webhook credits it later).
	Status   payment.Status   `json:"status"`
	Credits  int64            `json:"credits"`
	Checkout payment.Checkout `json:"checkout"`
	// Receipt is set when Status is Completed.
	Receipt *Receipt `json:"receipt,omitempty"`
	// Replayed is true when an earlier call with the same key made this purchase.
	Replayed bool `json:"-"`
}

type buyInput struct {
	Credits int64 `json:"credits"`
}

// BuyCredits buys credits for the caller through the payment provider. The provider is
// called before the transaction (never holding one open across the network) with a
// reference derived from the key, so a retried purchase is one payment. Errors:
// UNAUTHENTICATED, BAD_USER_INPUT, CONFLICT (key reused), UNAVAILABLE (provider down).
func (s *Service) BuyCredits(ctx context.Context, credits int64, idempotencyKey string) (*Purchase, error) {
	const op = "wallet.BuyCredits"
	p, ok := viewer.From(ctx)
	if !ok {
		return nil, errs.E(errs.Unauthenticated, "sign in first")
	}
	if credits <= 0 || credits > MaxPurchase {
		return nil, errs.Ef(errs.BadUserInput, "credits must be between 1 and %d", MaxPurchase).With("field", "credits")
	}
	if s.provider == nil {
		return nil, errs.E(errs.Unavailable, "buying credits is not available")
	}
	if err := auth.RequireVerifiedClient(ctx, s.client, p.UserID, "buy credits"); err != nil {
		return nil, err
	}
	ctx = system(ctx)
	c := call{userScope(p.UserID), idempotencyKey, "buy", buyInput{credits}}
	if prior, err := s.earlierPurchase(ctx, c); err != nil || prior != nil {
		return prior, errs.Wrap(op, err)
	}
	ref := sha256.Sum256([]byte(c.scope + "\x00" + c.key))
	co, err := s.provider.Checkout(ctx, payment.CheckoutRequest{
		UserID: p.UserID, Credits: credits, Reference: hex.EncodeToString(ref[:16])})
	if err != nil {
		return nil, &errs.Error{Code: errs.Unavailable, Message: "the payment provider is unavailable", Op: op, Err: err}
	}
	out := &Purchase{Status: co.Status, Credits: credits, Checkout: co}
	if co.Status == payment.Completed {
		out.Receipt = &Receipt{TransactionID: newID(), Amount: credits}
	}
	return inTx(ctx, s.client, op, func(tx *ent.Client) (*Purchase, error) {
		cl, err := claim(ctx, tx, c, out)
		if err != nil {
			return nil, err
		}
		if cl.prior != nil {
			return decodePurchase(cl)
		}
		if out.Receipt == nil {
			return out, nil
		}
		return out, post(ctx, tx, entry{id: out.Receipt.TransactionID, kind: ledgertransaction.KindPURCHASE,
			actor: &p.UserID, memo: truncate(s.provider.Name()+":"+co.ProviderRef, 500),
			legs: []leg{{externalAcct(), -credits}, {walletAcct(p.UserID), credits}}})
	})
}

// earlierPurchase returns the purchase an earlier call with c's key made, nil if none,
// or CONFLICT if that call asked for something else. It spares the provider a replay;
// claim still decides between concurrent duplicates.
func (s *Service) earlierPurchase(ctx context.Context, c call) (*Purchase, error) {
	if err := checkKey(c.key); err != nil {
		return nil, err
	}
	prev, err := s.client.IdempotencyKey.Query().
		Where(idempotencykey.Scope(c.scope), idempotencykey.Key(c.key)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	hash, err := requestHash(c)
	if err != nil {
		return nil, err
	}
	if prev.Operation != c.op || prev.RequestHash != hash {
		return nil, errs.E(errs.Conflict, "this idempotency key was used with a different request").
			With("field", "idempotencyKey")
	}
	return decodePurchase(claimed{prior: prev.Result})
}

func decodePurchase(c claimed) (*Purchase, error) {
	var out Purchase
	if err := replay(c, &out); err != nil {
		return nil, err
	}
	out.Replayed = true
	return &out, nil
}

type paymentInput struct {
	UserID    uuid.UUID `json:"userId"`
	Credits   int64     `json:"credits"`
	Reference string    `json:"reference"`
}

// CreditPayment implements payment.Crediter: it credits a provider's paid event to the
// buyer's wallet once per (provider, event id). Errors: BAD_USER_INPUT, NOT_FOUND (no
// such user), CONFLICT (event id reused with other data).
func (s *Service) CreditPayment(ctx context.Context, e payment.Event) error {
	const op = "wallet.CreditPayment"
	ctx = system(ctx)
	if e.Credits <= 0 || e.Credits > MaxPurchase || e.Provider == "" {
		return errs.E(errs.BadUserInput, "invalid payment event")
	}
	c := call{"payment:" + e.Provider, e.ID, "payment", paymentInput{e.UserID, e.Credits, e.Reference}}
	_, err := inTx(ctx, s.client, op, func(tx *ent.Client) (Receipt, error) {
		if err := userExists(ctx, tx, e.UserID); err != nil {
			return Receipt{}, err
		}
		r := Receipt{TransactionID: newID(), Amount: e.Credits}
		cl, err := claim(ctx, tx, c, r)
		if err != nil || cl.prior != nil {
			return r, err
		}
		return r, post(ctx, tx, entry{id: r.TransactionID, kind: ledgertransaction.KindPURCHASE,
			actor: &e.UserID, memo: truncate(e.Provider+":"+e.Reference, 500),
			legs: []leg{{externalAcct(), -e.Credits}, {walletAcct(e.UserID), e.Credits}}})
	})
	return err
}

// GrantInput gives a user credits by an admin's decision.
type GrantInput struct {
	UserID         uuid.UUID `json:"userId"`
	Amount         int64     `json:"amount"`
	Reason         string    `json:"reason"`
	IdempotencyKey string    `json:"-"`
}

// GrantCredits credits a user's wallet from outside (a goodwill gesture, a correction),
// audited with the reason. Admins only. Errors: FORBIDDEN, BAD_USER_INPUT, NOT_FOUND,
// CONFLICT (key reused).
func (s *Service) GrantCredits(ctx context.Context, in GrantInput) (Receipt, error) {
	p, ok := viewer.From(ctx)
	if !ok || !p.IsAdmin() {
		return Receipt{}, errs.E(errs.Forbidden, "admins only")
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" || len(in.Reason) > 500 {
		return Receipt{}, errs.E(errs.BadUserInput, "a reason of 1 to 500 characters is required").With("field", "reason")
	}
	if in.Amount <= 0 || in.Amount > MaxPurchase {
		return Receipt{}, errs.Ef(errs.BadUserInput, "amount must be between 1 and %d", MaxPurchase).With("field", "amount")
	}
	ctx = system(ctx)
	return inTx(ctx, s.client, "wallet.GrantCredits", func(tx *ent.Client) (Receipt, error) {
		if err := userExists(ctx, tx, in.UserID); err != nil {
			return Receipt{}, err
		}
		r := Receipt{TransactionID: newID(), Amount: in.Amount}
		c, err := claim(ctx, tx, call{userScope(p.UserID), in.IdempotencyKey, "grant", in}, r)
		if err != nil || c.prior != nil {
			return replayed(c, err)
		}
		err = post(ctx, tx, entry{id: r.TransactionID, kind: ledgertransaction.KindGRANT, actor: &p.UserID,
			memo: in.Reason, legs: []leg{{externalAcct(), -in.Amount}, {walletAcct(in.UserID), in.Amount}}})
		if err != nil {
			return Receipt{}, err
		}
		return r, audit.Record(ctx, tx, audit.Entry{Action: "wallet.grant", TargetType: "User",
			TargetID: in.UserID.String(), Metadata: map[string]any{
				"amount": in.Amount, "reason": in.Reason, "transactionId": r.TransactionID.String()}})
	})
}

// userExists answers NOT_FOUND for an unknown user.
func userExists(ctx context.Context, tx *ent.Client, id uuid.UUID) error {
	ok, err := tx.User.Query().Where(user.ID(id)).Exist(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.NotFound, "user not found")
	}
	return nil
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
