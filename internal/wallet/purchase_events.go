package wallet

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/creditpurchase"
	"backbone/ent/ledgertransaction"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/outbox"
	"backbone/internal/payment"
	"backbone/internal/timex"
)

// EventPurchaseFlagged says a purchase needs an admin: {purchaseId, userId, reason}.
const EventPurchaseFlagged = "purchase.flagged"

// PurchaseFlagged is the payload of an EventPurchaseFlagged event.
type PurchaseFlagged struct {
	PurchaseID string `json:"purchaseId"`
	UserID     string `json:"userId"`
	Reason     string `json:"reason"`
}

// RecordPurchaseUpdate implements payment.PurchaseRecorder: it applies a provider's
// report to its purchase, once per (provider, event id), in one transaction:
//   - PAID credits the wallet once, if the amount and currency are the pack's; otherwise
//     nothing is credited and the purchase is flagged for the admins;
//   - PROCESSING records the payment; FAILED and EXPIRED end a PENDING purchase;
//   - REFUNDED takes the refunded share of the credits back from the wallet as far as
//     it holds them (never below zero), flagging the purchase for what it no longer
//     holds.
//
// Errors: NOT_FOUND (no such purchase), CONFLICT (event id reused with other data),
// UNAVAILABLE (a refund of a payment not reported paid yet: deliver it again later).
func (s *Service) RecordPurchaseUpdate(ctx context.Context, u payment.PurchaseUpdate) error {
	ctx = db.System(ctx)
	_, err := inTx(ctx, s.client, "wallet.RecordPurchaseUpdate", func(tx *ent.Client) (struct{}, error) {
		row, err := s.purchaseOf(ctx, tx, u)
		if err != nil {
			return struct{}{}, err
		}
		c, err := claim(ctx, tx, call{"payment:" + u.Provider, u.EventID, "purchaseUpdate", u}, struct{}{})
		if err != nil || c.prior != nil {
			return struct{}{}, err
		}
		return struct{}{}, s.apply(ctx, tx, row, u)
	})
	return err
}

// purchaseOf finds and locks the purchase u is about: by id for a checkout event; by the
// payment for a refund, or, before the payment is known, by the purchase id the refund
// carries.
func (s *Service) purchaseOf(ctx context.Context, tx *ent.Client, u payment.PurchaseUpdate) (*ent.CreditPurchase, error) {
	q := tx.CreditPurchase.Query().Where(creditpurchase.Provider(u.Provider))
	if u.Kind == payment.UpdateRefunded {
		q.Where(creditpurchase.PaymentRef(u.PaymentRef))
	} else {
		q.Where(creditpurchase.ID(u.PurchaseID))
	}
	id, err := q.OnlyID(ctx)
	if ent.IsNotFound(err) && u.Kind == payment.UpdateRefunded && u.PurchaseID != uuid.Nil {
		id, err = tx.CreditPurchase.Query().Where(creditpurchase.Provider(u.Provider), creditpurchase.ID(u.PurchaseID),
			creditpurchase.Or(creditpurchase.PaymentRefIsNil(), creditpurchase.PaymentRef(""))).OnlyID(ctx)
	}
	if ent.IsNotFound(err) || ent.IsNotSingular(err) {
		return nil, errs.E(errs.NotFound, "no purchase matches the event")
	}
	if err != nil {
		return nil, err
	}
	return lockPurchase(ctx, tx, id)
}

func (s *Service) apply(ctx context.Context, tx *ent.Client, row *ent.CreditPurchase, u payment.PurchaseUpdate) error {
	switch u.Kind {
	case payment.UpdatePaid:
		if reason := mismatch(row, u); reason != "" {
			return s.flag(ctx, tx, row, reason, u.PaymentRef)
		}
		if row.TransactionID == nil && row.Status == creditpurchase.StatusREFUNDED {
			// The whole payment is back with the buyer already (a late event): crediting
			// it now would hand out credits nobody pays for.
			return s.flag(ctx, tx, row, "reported paid after the whole payment was refunded: not credited", u.PaymentRef)
		}
		return s.credit(ctx, tx, row, u)
	case payment.UpdateProcessing:
		if u.PaymentRef == "" || row.PaymentRef != "" {
			return nil
		}
		return tx.CreditPurchase.UpdateOneID(row.ID).SetPaymentRef(u.PaymentRef).SetUpdatedAt(timex.Now()).Exec(ctx)
	case payment.UpdateFailed, payment.UpdateExpired:
		if row.Status != creditpurchase.StatusPENDING {
			return nil
		}
		status := map[payment.UpdateKind]creditpurchase.Status{
			payment.UpdateFailed: creditpurchase.StatusFAILED, payment.UpdateExpired: creditpurchase.StatusEXPIRED}[u.Kind]
		return tx.CreditPurchase.UpdateOneID(row.ID).SetStatus(status).SetUpdatedAt(timex.Now()).Exec(ctx)
	case payment.UpdateRefunded:
		return s.refund(ctx, tx, row, u)
	}
	return errs.Ef(errs.BadUserInput, "unknown purchase update %q", u.Kind)
}

// mismatch says why a payment does not pay for row, or "" when it does.
func mismatch(row *ent.CreditPurchase, u payment.PurchaseUpdate) string {
	switch {
	case row.ProviderRef != "" && u.CheckoutRef != "" && u.CheckoutRef != row.ProviderRef:
		return fmt.Sprintf("paid through checkout %s, not the purchase's %s", u.CheckoutRef, row.ProviderRef)
	case u.Amount != row.Amount || u.Currency != row.Currency:
		return fmt.Sprintf("paid %d %s, but the pack costs %d %s: not credited", u.Amount, u.Currency, row.Amount, row.Currency)
	}
	return ""
}

// refund takes back the credits of the refunded share of row's price (rounded up, so
// that a partial refund leaves no credit unpaid for), as far as the wallet holds them.
// Provider events carry the total refunded so far, so a later refund takes only the
// difference.
func (s *Service) refund(ctx context.Context, tx *ent.Client, row *ent.CreditPurchase, u payment.PurchaseUpdate) error {
	if row.TransactionID == nil && row.Status == creditpurchase.StatusPENDING && !row.Flagged {
		// A payment is refunded only once it succeeded, so its report is on the way
		// (events arrive in any order): the refund applies after the credit, on the
		// provider's next delivery.
		return errs.E(errs.Unavailable, "the refunded payment has not been reported paid yet")
	}
	if row.TransactionID == nil {
		return refundUncredited(ctx, tx, row, u)
	}
	if row.Amount <= 0 || u.AmountRefunded <= 0 {
		return nil
	}
	refunded := min(row.Credits, (row.Credits*u.AmountRefunded+row.Amount-1)/row.Amount)
	due := refunded - row.RefundedCredits
	if due <= 0 {
		return nil
	}
	upd := tx.CreditPurchase.UpdateOneID(row.ID).SetRefundedCredits(refunded).SetUpdatedAt(timex.Now())
	if refunded == row.Credits {
		upd.SetStatus(creditpurchase.StatusREFUNDED)
	}
	if err := upd.Exec(ctx); err != nil {
		return err
	}
	balances, err := lockBalances(ctx, tx, walletAcct(row.UserID).id)
	if err != nil {
		return err
	}
	taken := min(due, balances[walletAcct(row.UserID).id])
	meta := map[string]any{"refundedCredits": due, "takenBack": taken, "amountRefunded": u.AmountRefunded,
		"currency": u.Currency, "paymentRef": u.PaymentRef}
	if taken > 0 {
		txID := newID()
		err := post(ctx, tx, entry{id: txID, kind: ledgertransaction.KindPURCHASE_REFUND, actor: &row.UserID,
			memo: truncate(row.Provider+":"+u.PaymentRef, 500),
			legs: []leg{{walletAcct(row.UserID), -taken}, {externalAcct(), taken}}})
		if err != nil {
			return err
		}
		meta["transactionId"] = txID.String()
	}
	err = audit.Record(ctx, tx, audit.Entry{Action: "wallet.purchase.refunded", TargetType: "CreditPurchase",
		TargetID: row.ID.String(), Actor: &row.UserID, Metadata: meta})
	if err != nil || taken == due {
		return err
	}
	return s.flag(ctx, tx, row, fmt.Sprintf("refund of %d credits: the wallet held only %d, %d could not be taken back",
		due, taken, due-taken), "")
}

// refundUncredited applies a refund of a payment that was never credited (a mismatched
// payment, flagged already): no credits to take back, and none counted as refunded, but
// once the whole charge is back the purchase is REFUNDED, audited, so that an admin
// working the flagged purchases does not credit money the buyer already has back.
func refundUncredited(ctx context.Context, tx *ent.Client, row *ent.CreditPurchase, u payment.PurchaseUpdate) error {
	if row.Status == creditpurchase.StatusREFUNDED || u.AmountRefunded <= 0 || u.AmountRefunded < u.Amount {
		return nil
	}
	err := tx.CreditPurchase.UpdateOneID(row.ID).SetStatus(creditpurchase.StatusREFUNDED).SetUpdatedAt(timex.Now()).Exec(ctx)
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "wallet.purchase.refunded", TargetType: "CreditPurchase",
		TargetID: row.ID.String(), Actor: &row.UserID, Metadata: map[string]any{"refundedCredits": 0, "takenBack": 0,
			"neverCredited": true, "amountRefunded": u.AmountRefunded, "currency": u.Currency, "paymentRef": u.PaymentRef}})
}

// flag marks row for the admins with reason, audited, and tells them (a
// notification each, through the outbox).
func (s *Service) flag(ctx context.Context, tx *ent.Client, row *ent.CreditPurchase, reason, paymentRef string) error {
	reason = cleanReason(reason)
	upd := tx.CreditPurchase.UpdateOneID(row.ID).SetFlagged(true).SetFlagReason(reason).SetUpdatedAt(timex.Now())
	if paymentRef != "" && row.PaymentRef == "" {
		upd.SetPaymentRef(paymentRef)
	}
	if err := upd.Exec(ctx); err != nil {
		return err
	}
	err := audit.Record(ctx, tx, audit.Entry{Action: "wallet.purchase.flagged", TargetType: "CreditPurchase",
		TargetID: row.ID.String(), Actor: &row.UserID, Metadata: map[string]any{"reason": reason}})
	if err != nil {
		return err
	}
	b, err := json.Marshal(PurchaseFlagged{PurchaseID: row.ID.String(), UserID: row.UserID.String(), Reason: reason})
	if err != nil {
		return fmt.Errorf("encode %s: %w", EventPurchaseFlagged, err)
	}
	s.log.WarnContext(ctx, "credit purchase flagged for the admins", "purchase", row.ID, "reason", reason)
	return outbox.Add(ctx, tx, outbox.Message{Kind: outbox.Event, Topic: EventPurchaseFlagged, Key: row.ID.String(), Payload: b})
}
