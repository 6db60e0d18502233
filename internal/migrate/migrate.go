// Package migrate applies the embedded versioned migrations with Atlas's executor, under a lock.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"ariga.io/atlas/sql/migrate"

	"backbone/internal/db"
	"backbone/internal/migrations"
)

// ErrDirChanged is wrapped when the migration files do not match their atlas.sum, or
// when a file that was already applied has changed since: applied files are immutable.
var ErrDirChanged = errors.New("migration directory changed")

// State is where a database stands against the migration directory. (It would be named
// Status, but that is the function's name.)
type State struct {
	// Current is the version of the last applied migration; empty for a fresh database.
	Current string
	// Pending names the files still to apply, in order.
	Pending []string
	// Latest is the version of the directory's last file: this binary's last migration.
	Latest string
}

// Ahead reports a database migrated past this binary's migrations, by a newer release:
// this binary may not know its tables and columns.
func (s State) Ahead() bool { return s.Latest != "" && s.Current > s.Latest }

// String implements fmt.Stringer: "version V, N pending".
func (s State) String() string {
	cur := s.Current
	if cur == "" {
		cur = "none"
	}
	return fmt.Sprintf("version %s, %d pending", cur, len(s.Pending))
}

// Apply runs the pending migrations of d's dialect and returns how many files it applied.
// Concurrent callers, in this process or in others, are serialised: one applies, the
// others then find nothing to do. See ApplyFS.
func Apply(ctx context.Context, d *db.DB, log *slog.Logger) (applied int, err error) {
	dir, err := migrations.FS(d.Driver())
	if err != nil {
		return 0, err
	}
	return ApplyFS(ctx, d, dir, log)
}

// ApplyFS is Apply with the migration directory given (atlas-format files and atlas.sum
// at its root). All pending files run in one transaction, holding a PostgreSQL advisory
// lock or SQLite's write lock, so a failure leaves the database as it was. Errors wrap
// ErrDirChanged when the files were edited.
func ApplyFS(ctx context.Context, d *db.DB, dir fs.FS, log *slog.Logger) (applied int, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mem, err := memDir(dir)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	err = inLockedTx(ctx, d, func(s *session) error {
		if err := s.revs.create(ctx); err != nil {
			return fmt.Errorf("create %s: %w", RevisionsTable, err)
		}
		ex, pending, err := s.pending(ctx, mem)
		if err != nil {
			return err
		}
		for _, f := range pending {
			t := time.Now()
			if err := ex.Execute(ctx, f); err != nil {
				return fmt.Errorf("apply %s: %w", f.Name(), err)
			}
			applied++
			log.InfoContext(ctx, "migration applied", "file", f.Name(), "took", time.Since(t))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("migrate.Apply: %w", err)
	}
	if applied > 0 {
		log.InfoContext(ctx, "migrations done", "applied", applied, "took", time.Since(start))
	}
	return applied, nil
}

// Status reports the current version of d and the files still pending.
func Status(ctx context.Context, d *db.DB) (State, error) {
	dir, err := migrations.FS(d.Driver())
	if err != nil {
		return State{}, err
	}
	return StatusFS(ctx, d, dir)
}

// StatusFS is Status with the migration directory given. It writes nothing.
func StatusFS(ctx context.Context, d *db.DB, dir fs.FS) (State, error) {
	mem, err := memDir(dir)
	if err != nil {
		return State{}, err
	}
	var st State
	files, err := mem.Files()
	if err != nil {
		return State{}, fmt.Errorf("migrate.Status: %w", err)
	}
	if len(files) > 0 {
		st.Latest = files[len(files)-1].Version()
	}
	err = inReadTx(ctx, d, func(s *session) error {
		revs, err := s.revs.ReadRevisions(ctx)
		if err != nil {
			return fmt.Errorf("read revisions: %w", err)
		}
		for i := len(revs) - 1; i >= 0; i-- {
			if revs[i].Applied == revs[i].Total {
				st.Current = revs[i].Version
				break
			}
		}
		_, pending, err := s.pending(ctx, mem)
		for _, f := range pending {
			st.Pending = append(st.Pending, f.Name())
		}
		return err
	})
	if err != nil {
		return State{}, fmt.Errorf("migrate.Status: %w", err)
	}
	return st, nil
}

// memDir copies an fs.FS of migration files into Atlas's in-memory directory.
func memDir(dir fs.FS) (*migrate.MemDir, error) {
	entries, err := fs.ReadDir(dir, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	mem := &migrate.MemDir{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := fs.ReadFile(dir, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migrations: %w", err)
		}
		if err := mem.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	return mem, nil
}
