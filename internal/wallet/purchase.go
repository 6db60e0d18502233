package wallet

import (
	"context"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/ledgertransaction"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/payment"
	"backbone/internal/textx"
	"backbone/internal/viewer"
)

// MaxPurchase bounds the credits of one purchase or grant.
const MaxPurchase = int64(1_000_000)

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
	ctx = db.System(ctx)
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
// audited with the reason. Admins only, and never to their own wallet: money made from
// nothing needs a second person, as an admin's changes to their own account do
// (auth.adminUpdate). Errors: FORBIDDEN (not an admin; yourself), BAD_USER_INPUT,
// NOT_FOUND, CONFLICT (key reused).
func (s *Service) GrantCredits(ctx context.Context, in GrantInput) (Receipt, error) {
	p, ok := viewer.From(ctx)
	if !ok || !p.IsAdmin() {
		return Receipt{}, errs.E(errs.Forbidden, "admins only")
	}
	if in.UserID == p.UserID {
		return Receipt{}, errs.E(errs.Forbidden, "you cannot grant credits to your own account")
	}
	reason, err := textx.Plain("reason", in.Reason, 500, true)
	if err != nil {
		return Receipt{}, err
	}
	in.Reason = reason
	if in.Amount <= 0 || in.Amount > MaxPurchase {
		return Receipt{}, errs.Ef(errs.BadUserInput, "credits must be between 1 and %d", MaxPurchase).With("field", "credits") // grantCredits(credits:)
	}
	ctx = db.System(ctx)
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
