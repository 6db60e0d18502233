package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/lib/pq"

	"backbone/ent"
)

// InTx runs fn in one transaction on c: committed when fn returns nil, rolled back when it
// returns an error or panics. fn gets a client bound to the transaction.
func InTx(ctx context.Context, c *ent.Client, fn func(tx *ent.Client) error) (err error) {
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
