package wallet

import (
	"context"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/ledgertransaction"
	"backbone/internal/db"
	"backbone/internal/errs"
)

// HoldInput moves a question's price from the client's wallet into its escrow.
type HoldInput struct {
	QuestionID uuid.UUID `json:"questionId"`
	ClientID   uuid.UUID `json:"clientId"`
	Amount     int64     `json:"amount"`
	// IdempotencyKey is scoped to the question.
	IdempotencyKey string `json:"-"`
}

// CaptureInput pays the escrow of a question to its expert, less the platform fee.
type CaptureInput struct {
	QuestionID uuid.UUID `json:"questionId"`
	ClientID   uuid.UUID `json:"clientId"`
	ExpertID   uuid.UUID `json:"expertId"`
	// Amount to capture; 0 captures the whole escrow.
	Amount int64 `json:"amount"`
	// FeeBPS is the platform fee of this capture in basis points: 0 takes the service's
	// rate (Options.FeeBPS), NoFee takes none, 1..10000 that rate. The lifecycle passes
	// the fee of the question's settings version (its terms).
	FeeBPS         int    `json:"feeBps,omitempty"`
	IdempotencyKey string `json:"-"`
}

// NoFee as CaptureInput.FeeBPS captures without a platform fee (a zero fee in the
// settings), since 0 means the service's default rate.
const NoFee = -1

// ReleaseInput returns the escrow of a question to the client's wallet (a refund).
type ReleaseInput struct {
	QuestionID uuid.UUID `json:"questionId"`
	ClientID   uuid.UUID `json:"clientId"`
	// Amount to release; 0 releases the whole escrow.
	Amount         int64  `json:"amount"`
	IdempotencyKey string `json:"-"`
}

// Fee returns the platform's share of a captured amount at bps basis points, rounded
// down: always in the expert's favour (7 credits at 20% is a fee of 1, not 2).
func Fee(amount int64, bps int) int64 { return amount * int64(bps) / 10000 }

// Hold is HoldTx in a transaction of its own.
func (s *Service) Hold(ctx context.Context, in HoldInput) (Receipt, error) {
	return inTx(ctx, s.client, "wallet.Hold", func(tx *ent.Client) (Receipt, error) { return s.HoldTx(ctx, tx, in) })
}

// HoldTx moves in.Amount from the client's wallet to the question's escrow, within the
// caller's transaction tx (roll it back on error). Called by the question lifecycle, not
// by users. Errors: BAD_USER_INPUT, INSUFFICIENT_CREDITS (with the shortfall), CONFLICT
// (the key was used for another request).
func (s *Service) HoldTx(ctx context.Context, tx *ent.Client, in HoldInput) (_ Receipt, err error) {
	defer func() { err = errs.Wrap("wallet.HoldTx", err) }()
	ctx = db.System(ctx)
	if err := checkAmount(in.Amount); err != nil {
		return Receipt{}, err
	}
	r := Receipt{TransactionID: newID(), Amount: in.Amount}
	c, err := claim(ctx, tx, call{questionScope(in.QuestionID), in.IdempotencyKey, "hold", in}, r)
	if err != nil || c.prior != nil {
		return replayed(c, err)
	}
	err = post(ctx, tx, entry{id: r.TransactionID, kind: ledgertransaction.KindHOLD, question: &in.QuestionID,
		legs: []leg{{walletAcct(in.ClientID), -in.Amount}, {escrowAcct(in.QuestionID, in.ClientID), in.Amount}}})
	return r, err
}

// Capture is CaptureTx in a transaction of its own.
func (s *Service) Capture(ctx context.Context, in CaptureInput) (Receipt, error) {
	return inTx(ctx, s.client, "wallet.Capture", func(tx *ent.Client) (Receipt, error) { return s.CaptureTx(ctx, tx, in) })
}

// CaptureTx moves the question's escrow (or in.Amount of it) to the expert's earnings,
// less the platform fee (see Fee) to platform revenue, within the caller's transaction.
// Errors: BAD_USER_INPUT, CONFLICT (nothing or too little held; key reused).
func (s *Service) CaptureTx(ctx context.Context, tx *ent.Client, in CaptureInput) (_ Receipt, err error) {
	defer func() { err = errs.Wrap("wallet.CaptureTx", err) }()
	ctx = db.System(ctx)
	if err := checkPartAmount(in.Amount); err != nil {
		return Receipt{}, err
	}
	bps, err := s.captureFee(in.FeeBPS)
	if err != nil {
		return Receipt{}, err
	}
	c, err := claim(ctx, tx, call{questionScope(in.QuestionID), in.IdempotencyKey, "capture", in}, nil)
	if err != nil || c.prior != nil {
		return replayed(c, err)
	}
	escrow, earnings, revenue := escrowAcct(in.QuestionID, in.ClientID), earningsAcct(in.ExpertID), revenueAcct()
	amount, err := escrowAmount(ctx, tx, escrow, in.Amount, earnings, revenue)
	if err != nil {
		return Receipt{}, err
	}
	fee := Fee(amount, bps)
	r := Receipt{TransactionID: newID(), Amount: amount, Fee: fee}
	err = post(ctx, tx, entry{id: r.TransactionID, kind: ledgertransaction.KindCAPTURE, question: &in.QuestionID,
		legs: []leg{{escrow, -amount}, {earnings, amount - fee}, {revenue, fee}}})
	if err != nil {
		return Receipt{}, err
	}
	return r, complete(ctx, tx, c, r)
}

// Release is ReleaseTx in a transaction of its own.
func (s *Service) Release(ctx context.Context, in ReleaseInput) (Receipt, error) {
	return inTx(ctx, s.client, "wallet.Release", func(tx *ent.Client) (Receipt, error) { return s.ReleaseTx(ctx, tx, in) })
}

// ReleaseTx moves the question's escrow (or in.Amount of it) back to the client's wallet,
// within the caller's transaction. Errors: BAD_USER_INPUT, CONFLICT (nothing or too
// little held; key reused).
func (s *Service) ReleaseTx(ctx context.Context, tx *ent.Client, in ReleaseInput) (_ Receipt, err error) {
	defer func() { err = errs.Wrap("wallet.ReleaseTx", err) }()
	ctx = db.System(ctx)
	if err := checkPartAmount(in.Amount); err != nil {
		return Receipt{}, err
	}
	c, err := claim(ctx, tx, call{questionScope(in.QuestionID), in.IdempotencyKey, "release", in}, nil)
	if err != nil || c.prior != nil {
		return replayed(c, err)
	}
	escrow, wallet := escrowAcct(in.QuestionID, in.ClientID), walletAcct(in.ClientID)
	amount, err := escrowAmount(ctx, tx, escrow, in.Amount, wallet)
	if err != nil {
		return Receipt{}, err
	}
	r := Receipt{TransactionID: newID(), Amount: amount}
	err = post(ctx, tx, entry{id: r.TransactionID, kind: ledgertransaction.KindRELEASE, question: &in.QuestionID,
		legs: []leg{{escrow, -amount}, {wallet, amount}}})
	if err != nil {
		return Receipt{}, err
	}
	return r, complete(ctx, tx, c, r)
}

// escrowAmount creates the receiving accounts, then locks them and the escrow in id
// order, and returns what to move: want, or the whole balance when want is 0.
func escrowAmount(ctx context.Context, tx *ent.Client, escrow acct, want int64, receivers ...acct) (int64, error) {
	if err := ensureAccounts(ctx, tx, receivers...); err != nil {
		return 0, err
	}
	ids := []uuid.UUID{escrow.id}
	for _, a := range receivers {
		ids = append(ids, a.id)
	}
	balances, err := lockBalances(ctx, tx, ids...)
	if err != nil {
		return 0, err
	}
	held := balances[escrow.id]
	switch {
	case held == 0:
		return 0, errs.E(errs.Conflict, "nothing is held for this question")
	case want > held:
		return 0, errs.Ef(errs.Conflict, "only %d credits are held for this question", held)
	case want == 0:
		return held, nil
	}
	return want, nil
}

// replayed turns a claim that found an earlier call into that call's receipt.
func replayed(c claimed, err error) (Receipt, error) {
	if err != nil {
		return Receipt{}, err
	}
	var r Receipt
	if err := replay(c, &r); err != nil {
		return Receipt{}, err
	}
	r.Replayed = true
	return r, nil
}

// captureFee resolves CaptureInput.FeeBPS to a rate in basis points.
func (s *Service) captureFee(bps int) (int, error) {
	switch {
	case bps == 0:
		return s.feeBPS, nil
	case bps == NoFee:
		return 0, nil
	case bps < 0 || bps > 10000:
		return 0, errs.E(errs.BadUserInput, "the fee must be 0 to 10000 basis points").With("field", "feeBps")
	}
	return bps, nil
}
