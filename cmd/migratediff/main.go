// Command migratediff writes a new Atlas-format migration when the ent schema changed.
//
// The Atlas CLI cannot be installed here, so this does what `atlas migrate diff` does
// with ent's and Atlas's Go packages: it replays the migration directory on an empty
// scratch (dev) database, compares the result with the ent schema in ent/schema (through
// the generated backbone/ent/migrate tables, so run `go generate ./ent` first) and, when
// they differ, writes YYYYMMDDHHMMSS_NAME.sql and updates atlas.sum. When nothing changed
// it writes nothing. Dropped columns and indexes are included: review every new file.
//
// Usage, from the module root:
//
//	go run ./cmd/migratediff -dialect postgres NAME   # internal/migrations/postgres
//	go run ./cmd/migratediff -dialect sqlite NAME     # internal/migrations/sqlite
//	go run ./cmd/migratediff -dialect sqlite -check   # exit 1 if a migration is missing
//	go run ./cmd/migratediff -dialect sqlite -hash    # rewrite atlas.sum after a hand edit
//
// Flags: -dir overrides the directory. -dev sets the dev database URL: by default
// PostgreSQL uses a scratch database it creates on the server named by -admin (default
// postgres://postgres@127.0.0.1:5432/postgres) as backbone_dev_<random> and drops
// afterwards, never an existing database; SQLite uses an in-memory database.
// A -dev URL must name an empty database that may be written to.
//
// CI runs both checks (PostgreSQL must be up for the first):
//
//	go run ./cmd/migratediff -dialect postgres -check && go run ./cmd/migratediff -dialect sqlite -check
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
)

// errChanges reports, in -check mode, that the schema has changes with no migration.
var errChanges = errors.New("the ent schema has changes that are not in the migration directory")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "migratediff:", err)
		os.Exit(1)
	}
}

// options are the parsed flags.
type options struct {
	dialect, dir, dev, admin, name string
	check, hash                    bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migratediff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.dialect, "dialect", "", "postgres or sqlite (required)")
	fs.StringVar(&o.dir, "dir", "", "migration directory (default internal/migrations/DIALECT)")
	fs.StringVar(&o.dev, "dev", "", "dev database URL (default: a scratch database, see package doc)")
	fs.StringVar(&o.admin, "admin", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL server on which to create the scratch dev database")
	fs.BoolVar(&o.check, "check", false, "write nothing; exit 1 if the schema has changes without a migration")
	fs.BoolVar(&o.hash, "hash", false, "only rewrite atlas.sum from the files in the directory")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: migratediff -dialect postgres|sqlite [-dir DIR] [-dev URL] [-check | -hash | NAME]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.dialect != "postgres" && o.dialect != "sqlite" {
		fs.Usage()
		return errors.New("-dialect must be postgres or sqlite")
	}
	if o.dir == "" {
		o.dir = filepath.Join("internal", "migrations", o.dialect)
	}
	switch {
	case o.hash:
		return rehash(o.dir)
	case o.check && fs.NArg() == 0:
		o.name = "check"
	case !o.check && fs.NArg() == 1:
		o.name = fs.Arg(0)
	default:
		fs.Usage()
		return errors.New("give one migration NAME, or -check")
	}
	return diff(ctx, o, stdout)
}
