package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/lib/pq"

	"backbone/ent"
)

// MaxAttempts bounds the runs of one transaction: the first, and the runs again after a
// deadlock, a serialization failure or an ErrRetry.
const MaxAttempts = 3

// ErrRetry, returned by (or wrapped in the error of) a transaction's function, asks InTx
// to run the whole transaction again: a race, such as a concurrent insert of the same
// key, that a new read resolves. After MaxAttempts the error comes back as it is.
var ErrRetry = errors.New("db: run the transaction again")

// InTx runs fn in one transaction on c: committed when fn returns nil, rolled back when it
// returns an error or panics. fn gets a client bound to the transaction. A transaction
// that PostgreSQL aborted as a deadlock or serialization failure (Retryable), or whose fn
// asked for it (ErrRetry), runs again, up to MaxAttempts runs in all: the abort undid
// all of it, so fn must do nothing outside the transaction that may not happen twice.
// ent's errors come back coded (see Coded).
func InTx(ctx context.Context, c *ent.Client, fn func(tx *ent.Client) error) error {
	var err error
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		err = once(ctx, c, fn)
		if !Retryable(err) && !errors.Is(err, ErrRetry) {
			break
		}
	}
	return Coded(err)
}

// InTxValue is InTx for a function with a result, which it returns once committed.
func InTxValue[T any](ctx context.Context, c *ent.Client, fn func(tx *ent.Client) (T, error)) (T, error) {
	var out T
	err := InTx(ctx, c, func(tx *ent.Client) error {
		var err error
		out, err = fn(tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// once runs fn in one transaction, with no retry.
func once(ctx context.Context, c *ent.Client, fn func(tx *ent.Client) error) (err error) {
	tx, err := c.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx.Client()); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return fmt.Errorf("%w (rollback: %v)", err, rerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Retryable reports whether err is a transaction conflict that PostgreSQL resolved by
// aborting this transaction (deadlock detected, serialization failure): running the whole
// transaction again is the documented remedy.
func Retryable(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == "40P01" || pqErr.Code == "40001"
	}
	return false
}
