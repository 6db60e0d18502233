package wallet

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/ledgertransaction"
	"backbone/ent/payout"
	"backbone/ent/payoutmethod"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/textx"
	"backbone/internal/timex"
	"backbone/internal/viewer"
)

type payoutResult struct {
	PayoutID      uuid.UUID `json:"payoutId"`
	TransactionID uuid.UUID `json:"transactionId"`
}

type payoutInput struct {
	Amount int64 `json:"amount"`
}

// RequestPayout asks for amount of the calling expert's earnings to be paid out. The
// credits leave the earnings at once (into the expert's PAYOUT account), so they cannot
// be requested twice; a rejection returns them. Errors: UNAUTHENTICATED, FORBIDDEN (not
// an expert), BAD_USER_INPUT, INSUFFICIENT_CREDITS (more than earned, with the
// shortfall), CONFLICT (key reused), FAILED_PRECONDITION (no payout method set).
func (s *Service) RequestPayout(ctx context.Context, amount int64, idempotencyKey string) (*ent.Payout, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return nil, err
	}
	if p.Role != viewer.RoleExpert {
		return nil, errs.E(errs.Forbidden, "experts only")
	}
	if err := checkAmountUpTo(amount, MaxPayout); err != nil {
		return nil, err
	}
	ctx = db.System(ctx)
	return unwrapped(inTx(ctx, s.client, "wallet.RequestPayout", func(tx *ent.Client) (*ent.Payout, error) {
		res := payoutResult{PayoutID: newID(), TransactionID: newID()}
		c, err := claim(ctx, tx, call{userScope(p.UserID), idempotencyKey, "payout", payoutInput{amount}}, res)
		if err != nil {
			return nil, err
		}
		if c.prior != nil {
			if err := replay(c, &res); err != nil {
				return nil, err
			}
			return tx.Payout.Get(ctx, res.PayoutID)
		}
		// Checked after the replay: a retry is answered as before even if the method changed.
		if has, err := tx.PayoutMethod.Query().Where(payoutmethod.UserID(p.UserID)).Exist(ctx); err != nil || !has {
			if err == nil {
				err = errs.E(errs.FailedPrecondition, "set a payout method (setPayoutMethod) before requesting a payout").
					With("reason", "NO_PAYOUT_METHOD")
			}
			return nil, err
		}
		err = post(ctx, tx, entry{id: res.TransactionID, kind: ledgertransaction.KindPAYOUT_REQUEST,
			payout: &res.PayoutID, actor: &p.UserID,
			legs: []leg{{earningsAcct(p.UserID), -amount}, {payoutAcct(p.UserID), amount}}})
		if err != nil {
			return nil, err
		}
		po, err := tx.Payout.Create().SetID(res.PayoutID).SetExpertID(p.UserID).SetAmount(amount).
			SetRequestTransactionID(res.TransactionID).Save(ctx)
		if err != nil {
			return nil, err
		}
		return po, emitPayoutRequested(ctx, tx, po)
	}))
}

// DecideInput is an admin's decision on a pending payout.
type DecideInput struct {
	PayoutID uuid.UUID `json:"payoutId"`
	Approve  bool      `json:"approve"`
	// Note is shown to the expert, such as why a payout was rejected.
	Note           string `json:"note"`
	IdempotencyKey string `json:"-"`
}

// DecidePayout approves a pending payout (its credits leave the platform, to EXTERNAL) or
// rejects it (they return to the expert's earnings), audited. Admins only, and never
// their own payout (an expert made an admin may still have one): another admin decides
// it. Errors: FORBIDDEN (not an admin; your own payout), BAD_USER_INPUT, NOT_FOUND,
// CONFLICT (already decided; key reused).
func (s *Service) DecidePayout(ctx context.Context, in DecideInput) (*ent.Payout, error) {
	p, ok := viewer.From(ctx)
	if !ok || !p.IsAdmin() {
		return nil, errs.E(errs.Forbidden, "admins only")
	}
	note, err := textx.Plain("note", in.Note, 500, false)
	if err != nil {
		return nil, err
	}
	in.Note = note
	ctx = db.System(ctx)
	return unwrapped(inTx(ctx, s.client, "wallet.DecidePayout", func(tx *ent.Client) (*ent.Payout, error) {
		txID := newID()
		c, err := claim(ctx, tx, call{userScope(p.UserID), in.IdempotencyKey, "decidePayout", in}, Receipt{TransactionID: txID})
		if err != nil {
			return nil, err
		}
		if c.prior != nil {
			return tx.Payout.Get(ctx, in.PayoutID)
		}
		po, err := tx.Payout.Get(ctx, in.PayoutID)
		if ent.IsNotFound(err) {
			return nil, errs.E(errs.NotFound, "payout not found")
		}
		if err != nil {
			return nil, err
		}
		if po.ExpertID == p.UserID {
			return nil, errs.E(errs.Forbidden, "you cannot decide your own payout")
		}
		status, kind, dest := payout.StatusREJECTED, ledgertransaction.KindPAYOUT_REJECT, earningsAcct(po.ExpertID)
		if in.Approve {
			status, kind, dest = payout.StatusAPPROVED, ledgertransaction.KindPAYOUT_APPROVE, externalAcct()
		}
		// Conditional on PENDING: of two concurrent decisions, the second matches nothing.
		n, err := tx.Payout.Update().Where(payout.ID(po.ID), payout.StatusEQ(payout.StatusPENDING)).
			SetStatus(status).SetDecidedBy(p.UserID).SetDecidedAt(timex.Now()).
			SetNote(in.Note).SetDecisionTransactionID(txID).Save(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, errs.E(errs.Conflict, "this payout was already decided")
		}
		err = post(ctx, tx, entry{id: txID, kind: kind, payout: &po.ID, actor: &p.UserID, memo: in.Note,
			legs: []leg{{payoutAcct(po.ExpertID), -po.Amount}, {dest, po.Amount}}})
		if err != nil {
			return nil, err
		}
		err = audit.Record(ctx, tx, audit.Entry{Action: "wallet.payout." + strings.ToLower(string(status)),
			TargetType: "Payout", TargetID: po.ID.String(),
			Metadata: map[string]any{"amount": po.Amount, "expertId": po.ExpertID.String(), "note": in.Note}})
		if err != nil {
			return nil, err
		}
		if err := emitPayoutDecided(ctx, tx, po, string(status)); err != nil {
			return nil, err
		}
		return tx.Payout.Get(ctx, po.ID)
	}))
}

// unwrapped detaches a payout read in a transaction from it once committed, so that its
// edges (the expert a GraphQL caller selects) load through the client, not the closed
// transaction.
func unwrapped(po *ent.Payout, err error) (*ent.Payout, error) {
	if err != nil {
		return nil, err
	}
	return po.Unwrap(), nil
}
