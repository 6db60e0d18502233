package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"backbone/internal/testenv"
)

// The migration directories must match the ent schema: this is the CI check.
// ent's diff writes to its package-level tables, so these tests do not run in parallel.
func TestCheckFindsNoMissingMigration(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			args := []string{"-dialect", dialect, "-check", "-dir", filepath.Join("..", "..", "internal", "migrations", dialect)}
			if dialect == "postgres" {
				args = append(args, "-admin", testenv.NeedPostgres(t))
			}
			var out bytes.Buffer
			if err := run(context.Background(), args, &out, &out); err != nil {
				t.Fatalf("migratediff %v: %v\n%s", args, err, out.String())
			}
		})
	}
}

func TestCheckReportsAMissingMigration(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-dialect", "sqlite", "-check", "-dir", t.TempDir()}, &out, &out)
	if !errors.Is(err, errChanges) {
		t.Fatalf("check on an empty directory = %v; want errChanges", err)
	}
}

func TestDiffWritesOnceThenNothing(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-dialect", "sqlite", "-dir", dir, "init"}, &out, &out); err != nil {
		t.Fatalf("first diff: %v\n%s", err, out.String())
	}
	first := mustList(t, dir)
	if len(first) != 2 { // the migration and atlas.sum
		t.Fatalf("first diff wrote %v", first)
	}
	if err := run(context.Background(), []string{"-dialect", "sqlite", "-dir", dir, "again"}, &out, &out); err != nil {
		t.Fatalf("second diff: %v", err)
	}
	if again := mustList(t, dir); len(again) != len(first) {
		t.Fatalf("second diff without schema change wrote files: %v", again)
	}
}

func TestCheckRejectsAStaleSum(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-dialect", "sqlite", "-dir", dir, "init"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	files := mustList(t, dir)
	f := filepath.Join(dir, files[0])
	b, _ := os.ReadFile(f)
	if err := os.WriteFile(f, append(b, "\n-- edited\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"-dialect", "sqlite", "-check", "-dir", dir}, &out, &out); err == nil {
		t.Fatal("check accepted a file edited without re-hashing")
	}
	if err := run(context.Background(), []string{"-dialect", "sqlite", "-hash", "-dir", dir}, &out, &out); err != nil {
		t.Fatalf("hash: %v", err)
	}
	if err := run(context.Background(), []string{"-dialect", "sqlite", "-check", "-dir", dir}, &out, &out); err != nil {
		t.Fatalf("check after hash: %v", err)
	}
}

func mustList(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
