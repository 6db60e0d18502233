package migrate

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/sqlite"

	"backbone/internal/db"
)

// lockKey is the PostgreSQL advisory lock that serialises migration runs (any constant
// unique to this use; it is released with the transaction, even if the process dies).
const lockKey int64 = 0x6261636b626f6e65 // "backbone"

// session is one transaction seen by Atlas: its driver and the revisions table.
type session struct {
	drv  migrate.Driver
	revs *revisions
}

// inLockedTx runs fn in a transaction that no other migration run can enter at once.
func inLockedTx(ctx context.Context, d *db.DB, fn func(*session) error) error {
	if d.Postgres() {
		return pgTx(ctx, d.SQL, false, fn)
	}
	return sqliteTx(ctx, d.SQL, false, fn)
}

// inReadTx runs fn in a read-only transaction, without the lock.
func inReadTx(ctx context.Context, d *db.DB, fn func(*session) error) error {
	if d.Postgres() {
		return pgTx(ctx, d.SQL, true, fn)
	}
	return sqliteTx(ctx, d.SQL, true, fn)
}

// pgTx: PostgreSQL runs DDL in transactions; the advisory lock makes concurrent starters
// queue, and once one commits the next sees its revisions (read committed).
func pgTx(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*session) error) error {
	return inSQLTx(ctx, pool, readOnly, func(tx *sql.Tx) error {
		if !readOnly {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey); err != nil {
				return fmt.Errorf("take migration lock: %w", err)
			}
		}
		var schemaName string
		if err := tx.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schemaName); err != nil {
			return err
		}
		drv, err := postgres.Open(tx)
		if err != nil {
			return err
		}
		// The schema in the table's identity lets Atlas's clean check ignore the table (it
		// reports "found schema public" otherwise).
		return fn(&session{drv: drv, revs: &revisions{q: tx, postgres: true, schema: schemaName}})
	})
}

// sqliteTx: a write transaction begins IMMEDIATE (db adds _txlock=immediate), which takes
// SQLite's write lock for the whole run. Foreign keys are switched off around it, as SQLite
// requires for the table rebuilds Atlas emits (the pragma is a no-op inside a
// transaction), and checked before commit.
func sqliteTx(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*session) error) (err error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if !readOnly {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = off"); err != nil {
			return err
		}
		defer func() {
			if _, ferr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = on"); ferr != nil {
				// Never hand a connection without foreign keys back to the pool.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				err = errors.Join(err, ferr)
			}
		}()
	}
	return inSQLTx(ctx, conn, readOnly, func(tx *sql.Tx) error {
		drv, err := sqlite.Open(tx)
		if err != nil {
			return err
		}
		if err := fn(&session{drv: drv, revs: &revisions{q: tx}}); err != nil {
			return err
		}
		if readOnly {
			return nil
		}
		return foreignKeyCheck(ctx, tx)
	})
}

// inSQLTx runs fn in a transaction begun on b (read-only when readOnly): committed when
// fn succeeds, rolled back otherwise.
func inSQLTx(ctx context.Context, b interface {
	BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
}, readOnly bool, fn func(*sql.Tx) error) error {
	tx, err := b.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// foreignKeyCheck fails if the migration left a row whose foreign key points nowhere.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		vals[0] = &table
		for i := 1; i < len(vals); i++ {
			vals[i] = new(any)
		}
		_ = rows.Scan(vals...)
		return fmt.Errorf("foreign key violated in table %s after migration", table)
	}
	return rows.Err()
}

// pending returns an executor and the files it has yet to run, after checking that the
// applied files are unchanged.
func (s *session) pending(ctx context.Context, dir *migrate.MemDir) (*migrate.Executor, []migrate.File, error) {
	ex, err := migrate.NewExecutor(s.drv, dir, s.revs)
	if err != nil {
		return nil, nil, err
	}
	files, err := ex.Pending(ctx)
	switch {
	case errors.Is(err, migrate.ErrNoPendingFiles):
		files = nil
	case errors.Is(err, migrate.ErrChecksumMismatch):
		return nil, nil, fmt.Errorf("%w: atlas.sum does not match the files (edited by hand?): %w", ErrDirChanged, err)
	case err != nil:
		return nil, nil, err
	}
	if err := s.checkApplied(ctx, dir); err != nil {
		return nil, nil, err
	}
	return ex, files, nil
}

// checkApplied compares each applied revision's hash with the file's hash now: Atlas
// itself only checks atlas.sum, which a re-hash after an edit would satisfy.
func (s *session) checkApplied(ctx context.Context, dir *migrate.MemDir) error {
	revs, err := s.revs.ReadRevisions(ctx)
	if err != nil || len(revs) == 0 {
		return err
	}
	sum, err := dir.Checksum()
	if err != nil {
		return err
	}
	files, err := dir.Files()
	if err != nil {
		return err
	}
	byVersion := make(map[string]migrate.File, len(files))
	for _, f := range files {
		byVersion[f.Version()] = f
	}
	for _, r := range revs {
		f, ok := byVersion[r.Version]
		if !ok || r.Hash == "" || r.Type&migrate.RevisionTypeExecute == 0 {
			continue // a newer binary's migration, or a baseline: nothing to compare
		}
		if h, err := sum.SumByName(f.Name()); err != nil || h != r.Hash {
			return fmt.Errorf("%w: %s was changed after it was applied; add a new migration instead", ErrDirChanged, f.Name())
		}
	}
	return nil
}
