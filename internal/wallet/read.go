package wallet

import (
	"context"
	"slices"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/account"
	"backbone/ent/payout"
	"backbone/ent/posting"
	"backbone/ent/predicate"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// The read side. Queries run with the caller's context, so the ent privacy rules apply
// on top: users see only their own accounts, postings and payouts, admins all.

// Wallet is a user's spendable credits and the credits held for their open questions.
type Wallet struct {
	Balance int64
	Held    int64
}

// Earnings are an expert's credits: available to request, requested and awaiting an
// admin, and paid out so far.
type Earnings struct {
	Available     int64
	PendingPayout int64
	PaidOut       int64
}

// Wallet returns the wallet of userID: the caller's own, or anyone's for an admin.
// Errors: UNAUTHENTICATED, FORBIDDEN.
func (s *Service) Wallet(ctx context.Context, userID uuid.UUID) (Wallet, error) {
	if err := selfOrAdmin(ctx, userID); err != nil {
		return Wallet{}, err
	}
	if err := s.otherUserExists(ctx, userID, false); err != nil {
		return Wallet{}, errs.Wrap("wallet.Wallet", err)
	}
	bal, err := s.sum(ctx, account.ID(walletAcct(userID).id))
	if err != nil {
		return Wallet{}, errs.Wrap("wallet.Wallet", err)
	}
	held, err := s.sum(ctx, account.OwnerID(userID), account.KindEQ(account.KindESCROW))
	if err != nil {
		return Wallet{}, errs.Wrap("wallet.Wallet", err)
	}
	return Wallet{Balance: bal, Held: held}, nil
}

// Earnings returns the earnings of expertID: the caller's own, or anyone's for an admin.
// Errors: UNAUTHENTICATED, FORBIDDEN.
func (s *Service) Earnings(ctx context.Context, expertID uuid.UUID) (Earnings, error) {
	if err := selfOrAdmin(ctx, expertID); err != nil {
		return Earnings{}, err
	}
	if err := s.otherUserExists(ctx, expertID, true); err != nil {
		return Earnings{}, errs.Wrap("wallet.Earnings", err)
	}
	var out Earnings
	var err error
	if out.Available, err = s.sum(ctx, account.ID(earningsAcct(expertID).id)); err != nil {
		return Earnings{}, errs.Wrap("wallet.Earnings", err)
	}
	if out.PendingPayout, err = s.sum(ctx, account.ID(payoutAcct(expertID).id)); err != nil {
		return Earnings{}, errs.Wrap("wallet.Earnings", err)
	}
	paid, err := s.client.Payout.Query().
		Where(payout.ExpertID(expertID), payout.StatusEQ(payout.StatusAPPROVED)).
		Aggregate(coalesceSum(payout.FieldAmount)).Int(ctx)
	if err != nil {
		return Earnings{}, errs.Wrap("wallet.Earnings", err)
	}
	out.PaidOut = int64(paid)
	return out, nil
}

// PlatformRevenue returns the platform's fees earned so far. Admins only.
func (s *Service) PlatformRevenue(ctx context.Context) (int64, error) {
	if p, ok := viewer.From(ctx); !ok || !p.IsAdmin() {
		return 0, errs.E(errs.Forbidden, "admins only")
	}
	n, err := s.sum(ctx, account.ID(revenueAcct().id))
	return n, errs.Wrap("wallet.PlatformRevenue", err)
}

// LedgerEntries returns the query of the postings of userID's accounts (wallet, escrows,
// earnings, payouts), for the caller to order and paginate. Privacy rules limit a
// non-admin to their own. Errors: UNAUTHENTICATED.
func (s *Service) LedgerEntries(ctx context.Context, userID uuid.UUID) (*ent.PostingQuery, error) {
	return signedIn(ctx, s.client.Posting.Query().Where(posting.OwnerID(userID)))
}

// AccountEntries returns the query of one account's postings (admin views; privacy rules
// limit a non-admin to their own). Errors: UNAUTHENTICATED.
func (s *Service) AccountEntries(ctx context.Context, accountID uuid.UUID) (*ent.PostingQuery, error) {
	return signedIn(ctx, s.client.Posting.Query().Where(posting.AccountID(accountID)))
}

// AccountFilter narrows the admin's list of accounts; empty fields do not filter.
type AccountFilter struct {
	Kind    *account.Kind
	OwnerID *uuid.UUID
}

// Accounts returns the query of accounts (admin views of any account; users get theirs).
// Errors: UNAUTHENTICATED.
func (s *Service) Accounts(ctx context.Context, f AccountFilter) (*ent.AccountQuery, error) {
	return signedIn(ctx, s.client.Account.Query().Where(slices.Concat(
		db.IfSet(f.Kind, account.KindEQ),
		db.IfSet(f.OwnerID, account.OwnerID),
	)...))
}

// PayoutFilter narrows a list of payouts; empty fields do not filter.
type PayoutFilter struct {
	Status   *payout.Status
	ExpertID *uuid.UUID
}

// Payouts returns the query of payouts: an expert's own, or any for an admin (with
// Status PENDING: the queue to decide); privacy rules decide. Errors: UNAUTHENTICATED.
func (s *Service) Payouts(ctx context.Context, f PayoutFilter) (*ent.PayoutQuery, error) {
	return signedIn(ctx, s.client.Payout.Query().Where(slices.Concat(
		db.IfSet(f.Status, payout.StatusEQ),
		db.IfSet(f.ExpertID, payout.ExpertID),
	)...))
}

// sum adds up the balances of the accounts matching ps (0 for none).
func (s *Service) sum(ctx context.Context, ps ...predicate.Account) (int64, error) {
	n, err := s.client.Account.Query().Where(ps...).Aggregate(coalesceSum(account.FieldBalance)).Int(ctx)
	return int64(n), err
}

// coalesceSum is SUM(column) that is 0, not NULL, over no rows.
func coalesceSum(column string) ent.AggregateFunc {
	return func(s *entsql.Selector) string {
		return entsql.As("COALESCE(SUM("+s.C(column)+"), 0)", "sum")
	}
}

// selfOrAdmin lets a user read their own money and an admin anyone's.
func selfOrAdmin(ctx context.Context, userID uuid.UUID) error {
	p, err := viewer.Required(ctx)
	switch {
	case err != nil:
		return err
	case p.UserID != userID && !p.IsAdmin():
		return errs.E(errs.Forbidden, "you can only see your own credits")
	}
	return nil
}

// otherUserExists answers NOT_FOUND when an admin asks about a user who does not exist,
// or, for earnings, about one who is not an expert and never earned (an expert whose
// role changed keeps their earnings): zeros would read as an empty account. The caller's
// own account needs no read, unless an admin asks for their own earnings.
func (s *Service) otherUserExists(ctx context.Context, id uuid.UUID, expert bool) error {
	if p, _ := viewer.From(ctx); p.UserID == id && (!expert || !p.IsAdmin()) {
		return nil
	}
	u, err := s.client.User.Get(ctx, id)
	if ent.IsNotFound(err) {
		return errs.E(errs.NotFound, "user not found")
	}
	if err != nil || !expert || u.Role == user.RoleEXPERT {
		return err
	}
	earned, err := s.client.Account.Query().Where(account.ID(earningsAcct(id).id)).Exist(ctx)
	if err == nil && !earned {
		return errs.E(errs.NotFound, "expert not found")
	}
	return err
}

// signedIn returns q to a signed-in caller; the privacy rules decide what it reads.
// Errors: UNAUTHENTICATED.
func signedIn[Q any](ctx context.Context, q Q) (Q, error) {
	if _, err := viewer.Required(ctx); err != nil {
		var none Q
		return none, err
	}
	return q, nil
}
