package migrate_test

import (
	"context"
	"io/fs"
	"log/slog"
	"testing"
	"testing/fstest"

	atlas "ariga.io/atlas/sql/migrate"

	"backbone/internal/db"
	"backbone/internal/migrations"
	"backbone/internal/testenv"
)

// dialects lists the databases every test runs on, each a fresh empty one.
var dialects = []struct {
	name string
	url  func(testing.TB) string
}{
	{"postgres", testenv.NewPostgresDB},
	{"sqlite", testenv.NewSQLiteURL},
}

func mustOpen(tb testing.TB, url string) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), url, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("db.Open: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// embedded returns the real migration directory of a driver.
func embedded(tb testing.TB, driver string) fs.FS {
	tb.Helper()
	dir, err := migrations.FS(driver)
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

// fileNames lists the .sql files of a migration directory, in order.
func fileNames(tb testing.TB, dir fs.FS) []string {
	tb.Helper()
	names, err := fs.Glob(dir, "*.sql")
	if err != nil {
		tb.Fatal(err)
	}
	if len(names) == 0 {
		tb.Fatal("no migration files")
	}
	return names
}

// edited copies dir with files changed or added; with rehash, atlas.sum is rewritten to
// match, as `migratediff -hash` would.
func edited(tb testing.TB, dir fs.FS, changes map[string]string, rehash bool) fs.FS {
	tb.Helper()
	out := fstest.MapFS{}
	mem := &atlas.MemDir{}
	entries, err := fs.ReadDir(dir, ".")
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(dir, e.Name())
		if err != nil {
			tb.Fatal(err)
		}
		out[e.Name()] = &fstest.MapFile{Data: b}
	}
	for name, body := range changes {
		out[name] = &fstest.MapFile{Data: []byte(body)}
	}
	if rehash {
		for name, f := range out {
			if name != "atlas.sum" {
				if err := mem.WriteFile(name, f.Data); err != nil {
					tb.Fatal(err)
				}
			}
		}
		files, err := mem.Files()
		if err != nil {
			tb.Fatal(err)
		}
		sum, err := atlas.NewHashFile(files)
		if err != nil {
			tb.Fatal(err)
		}
		b, err := sum.MarshalText()
		if err != nil {
			tb.Fatal(err)
		}
		out["atlas.sum"] = &fstest.MapFile{Data: b}
	}
	return out
}

func mustRead(tb testing.TB, dir fs.FS, name string) string {
	tb.Helper()
	b, err := fs.ReadFile(dir, name)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
