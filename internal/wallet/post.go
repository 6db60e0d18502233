package wallet

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/account"
	"backbone/ent/ledgertransaction"
	"backbone/ent/posting"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/outbox"
	"backbone/internal/timex"
)

// leg is one posting of an entry: amount added to (positive) or taken from an account.
type leg struct {
	acct   acct
	amount int64
}

// entry is a ledger transaction about to be written.
type entry struct {
	id       uuid.UUID
	kind     ledgertransaction.Kind
	question *uuid.UUID
	payout   *uuid.UUID
	actor    *uuid.UUID
	memo     string
	legs     []leg
}

// post writes e and moves the balances, in tx. Balances change by conditional updates in
// account-id order (so concurrent entries cannot deadlock on each other): a debit that
// would take an account other than EXTERNAL below zero matches no row and fails with
// INSUFFICIENT_CREDITS, and the CHECK constraint stands behind it. The caller must roll
// back on error.
func post(ctx context.Context, tx *ent.Client, e entry) error {
	legs := make([]leg, 0, len(e.legs))
	var sum int64
	for _, l := range e.legs {
		sum += l.amount
		if l.amount != 0 {
			legs = append(legs, l)
		}
	}
	if sum != 0 || len(legs) < 2 {
		return fmt.Errorf("wallet: unbalanced entry %s (sum %d, %d legs)", e.kind, sum, len(legs))
	}
	slices.SortFunc(legs, func(a, b leg) int { return cmp.Compare(a.acct.id.String(), b.acct.id.String()) })
	at := timex.Now()
	create := tx.LedgerTransaction.Create().SetID(e.id).SetKind(e.kind).SetCreatedAt(at).
		SetNillableQuestionID(e.question).SetNillablePayoutID(e.payout).SetNillableActorID(e.actor)
	if e.memo != "" {
		create.SetMemo(e.memo)
	}
	if err := create.Exec(ctx); err != nil {
		return fmt.Errorf("insert transaction: %w", err)
	}
	// Balances before postings (whose foreign key needs the accounts: a credited one may
	// not exist yet), after the transaction row: a contended row stays locked briefly.
	// Every row is touched in account-id order, created or updated.
	for _, l := range legs {
		if err := move(ctx, tx, l); err != nil {
			return err
		}
	}
	postings := make([]*ent.PostingCreate, len(legs))
	for i, l := range legs {
		postings[i] = tx.Posting.Create().SetTransactionID(e.id).SetAccountID(l.acct.id).
			SetNillableOwnerID(l.acct.owner).SetKind(posting.Kind(e.kind)).
			SetNillableQuestionID(e.question).SetAmount(l.amount)
	}
	if err := tx.Posting.CreateBulk(postings...).Exec(ctx); err != nil {
		return fmt.Errorf("insert postings: %w", err)
	}
	return emitPosted(ctx, tx, e, legs, at)
}

// emitPosted writes the entry's ledger.posted event in its transaction, for the
// analytics rollups.
func emitPosted(ctx context.Context, tx *ent.Client, e entry, legs []leg, at time.Time) error {
	ev := events.LedgerPosted{TransactionID: e.id, Kind: string(e.kind), QuestionID: e.question, PayoutID: e.payout, At: at}
	for _, l := range legs {
		if l.amount > 0 {
			ev.Gross += l.amount
			if l.acct.kind == account.KindREVENUE {
				ev.Fees += l.amount
			}
		}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode %s: %w", events.TopicLedgerPosted, err)
	}
	return outbox.Add(ctx, tx, outbox.Message{Kind: outbox.Event, Topic: events.TopicLedgerPosted, Key: e.id.String(), Payload: b})
}

// ensureAccounts creates the accounts that do not exist yet, in id order. Every entry
// creates its accounts before it locks any (lockBalances, move): a transaction then
// never waits on another's new row while holding a lock that one needs.
func ensureAccounts(ctx context.Context, tx *ent.Client, accts ...acct) error {
	accts = slices.Clone(accts)
	slices.SortFunc(accts, func(a, b acct) int { return cmp.Compare(a.id.String(), b.id.String()) })
	creates := make([]*ent.AccountCreate, 0, len(accts))
	for _, a := range accts {
		creates = append(creates, tx.Account.Create().SetID(a.id).SetKind(a.kind).
			SetNillableOwnerID(a.owner).SetNillableQuestionID(a.question))
	}
	if len(creates) == 0 {
		return nil
	}
	err := tx.Account.CreateBulk(creates...).OnConflictColumns(account.FieldID).DoNothing().Exec(ctx)
	if err != nil {
		return fmt.Errorf("ensure accounts: %w", err)
	}
	return nil
}

// move applies one leg to its account's balance. A credit (or any leg of EXTERNAL, which
// may go negative) is an upsert that creates the account on first use, in one statement;
// a debit is a conditional update that matches no row when it would overdraw.
func move(ctx context.Context, tx *ent.Client, l leg) error {
	if l.amount > 0 || l.acct.kind == account.KindEXTERNAL {
		err := tx.Account.Create().SetID(l.acct.id).SetKind(l.acct.kind).
			SetNillableOwnerID(l.acct.owner).SetNillableQuestionID(l.acct.question).SetBalance(l.amount).
			OnConflictColumns(account.FieldID).
			Update(func(u *ent.AccountUpsert) { u.AddBalance(l.amount) }).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("update balance: %w", err)
		}
		return nil
	}
	up := tx.Account.Update().Where(account.ID(l.acct.id)).AddBalance(l.amount)
	if l.amount < 0 && l.acct.kind != account.KindEXTERNAL {
		up.Where(account.BalanceGTE(-l.amount))
	}
	n, err := up.Save(ctx)
	if err != nil {
		return fmt.Errorf("update balance: %w", err)
	}
	if n == 1 {
		return nil
	}
	have, err := balance(ctx, tx, l.acct.id)
	if err != nil {
		return err
	}
	return errs.E(errs.InsufficientCredits, "not enough credits").With("shortfall", -l.amount-have)
}

// balance reads an account's balance; a missing account has none.
func balance(ctx context.Context, tx *ent.Client, id uuid.UUID) (int64, error) {
	a, err := tx.Account.Query().Where(account.ID(id)).Only(db.System(ctx))
	if ent.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read balance: %w", err)
	}
	return a.Balance, nil
}

// lockBalances locks the given accounts in id order (on PostgreSQL; a SQLite transaction
// already holds the database's write lock) and returns their balances. Missing accounts
// have none.
func lockBalances(ctx context.Context, tx *ent.Client, ids ...uuid.UUID) (map[uuid.UUID]int64, error) {
	var rows []struct {
		ID      uuid.UUID `json:"id"`
		Balance int64     `json:"balance"`
	}
	err := tx.Account.Query().Where(account.IDIn(ids...)).Order(account.ByID()).
		Modify(func(s *entsql.Selector) {
			s.Select(s.C(account.FieldID), s.C(account.FieldBalance))
			db.ForUpdate(s)
		}).Scan(db.System(ctx), &rows)
	if err != nil {
		return nil, fmt.Errorf("lock accounts: %w", err)
	}
	out := make(map[uuid.UUID]int64, len(ids))
	for _, r := range rows {
		out[r.ID] = r.Balance
	}
	return out, nil
}
