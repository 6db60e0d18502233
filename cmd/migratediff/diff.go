package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"ariga.io/atlas/sql/migrate"
	_ "ariga.io/atlas/sql/postgres" // Atlas URL scheme postgres://
	_ "ariga.io/atlas/sql/sqlite"   // Atlas URL scheme sqlite://
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"

	entmigrate "backbone/ent/migrate"
	_ "backbone/internal/db" // lib/pq, and the pure-Go SQLite driver under "sqlite3"
)

const sumFile = "atlas.sum"

// diff replays the directory on a dev database, diffs it with the ent schema and writes
// (or, with -check, reports) the migration that is missing.
func diff(ctx context.Context, o options, stdout io.Writer) error {
	existing, err := readDir(o.dir)
	if err != nil {
		return err
	}
	if err := validate(existing); err != nil {
		return err
	}
	mem := &migrate.MemDir{}
	for name, b := range existing {
		if err := mem.WriteFile(name, b); err != nil {
			return err
		}
	}
	devURL, cleanup, err := devDatabase(ctx, o)
	if err != nil {
		return err
	}
	defer cleanup()
	d := dialect.Postgres
	if o.dialect == "sqlite" {
		d = dialect.SQLite
	}
	err = entmigrate.NamedDiff(ctx, devURL, o.name,
		schema.WithDir(mem),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(d),
		schema.WithFormatter(migrate.DefaultFormatter),
		// A versioned migration is reviewed, so it may drop what the schema no longer has;
		// without these, -check would pass with stale columns left in the database.
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
	if err != nil {
		return fmt.Errorf("diff: %w", err)
	}
	files, err := mem.Files()
	if err != nil {
		return err
	}
	var added []migrate.File
	for _, f := range files {
		if _, ok := existing[f.Name()]; !ok {
			added = append(added, f)
		}
	}
	if len(added) == 0 {
		fmt.Fprintf(stdout, "%s: no changes, migrations are up to date\n", o.dir)
		return nil
	}
	if o.check {
		for _, f := range added {
			fmt.Fprintf(stdout, "-- missing migration for %s:\n%s\n", o.dir, f.Bytes())
		}
		return fmt.Errorf("%w: run go run ./cmd/migratediff -dialect %s NAME", errChanges, o.dialect)
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	for _, f := range added {
		if err := os.WriteFile(filepath.Join(o.dir, f.Name()), f.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", filepath.Join(o.dir, f.Name()))
	}
	sum, err := mem.Open(sumFile)
	if err != nil {
		return err
	}
	defer sum.Close()
	b, err := io.ReadAll(sum)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(o.dir, sumFile), b, 0o644)
}

// readDir returns the migration files and atlas.sum of dir; a missing dir is empty.
func readDir(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string][]byte{}, nil
	}
	if err != nil {
		return nil, err
	}
	files := make(map[string][]byte, len(entries))
	for _, e := range entries {
		if e.IsDir() || (!strings.HasSuffix(e.Name(), ".sql") && e.Name() != sumFile) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		files[e.Name()] = b
	}
	return files, nil
}

// validate rejects a directory whose atlas.sum does not match its files.
func validate(files map[string][]byte) error {
	mem := &migrate.MemDir{}
	for name, b := range files {
		if err := mem.WriteFile(name, b); err != nil {
			return err
		}
	}
	if err := migrate.Validate(mem); err != nil {
		return fmt.Errorf("%w: atlas.sum does not match the files; if a file was edited on purpose, run with -hash", err)
	}
	return nil
}

// rehash rewrites atlas.sum from the files in dir, like `atlas migrate hash`.
func rehash(dir string) error {
	d, err := migrate.NewLocalDir(dir)
	if err != nil {
		return err
	}
	files, err := d.Files()
	if err != nil {
		return err
	}
	sum, err := migrate.NewHashFile(files)
	if err != nil {
		return err
	}
	return migrate.WriteSumFile(d, sum)
}
