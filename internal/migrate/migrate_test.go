package migrate_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	entmigrate "backbone/ent/migrate"
	"backbone/internal/migrate"
	"backbone/internal/testenv"
)

func TestApplyMigratesAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	for _, dia := range dialects {
		t.Run(dia.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			d := mustOpen(t, dia.url(t))
			names := fileNames(t, embedded(t, d.Driver()))
			if !strings.HasSuffix(names[0], "_init.sql") {
				t.Errorf("first migration is %s; want *_init.sql", names[0])
			}

			st, err := migrate.Status(ctx, d)
			if err != nil {
				t.Fatalf("Status before: %v", err)
			}
			if st.Current != "" || len(st.Pending) != len(names) {
				t.Fatalf("Status before = %+v; want nothing applied, %d pending", st, len(names))
			}

			n, err := migrate.Apply(ctx, d, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if n != len(names) {
				t.Fatalf("Apply applied %d; want %d", n, len(names))
			}
			st, err = migrate.Status(ctx, d)
			if err != nil {
				t.Fatalf("Status after: %v", err)
			}
			last, _, _ := strings.Cut(names[len(names)-1], "_")
			if st.Current != last || len(st.Pending) != 0 {
				t.Fatalf("Status after = %+v; want version %s, none pending", st, last)
			}

			n, err = migrate.Apply(ctx, d, nil)
			if err != nil || n != 0 {
				t.Fatalf("second Apply = %d, %v; want 0, nil", n, err)
			}
		})
	}
}

func TestApplyLeavesNoDriftFromTheEntSchema(t *testing.T) {
	t.Parallel()
	for _, dia := range dialects {
		t.Run(dia.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			d := mustOpen(t, dia.url(t))
			drift := func() string {
				// ent's diff writes to its package-level table definitions: one at a time.
				entSchemaMu.Lock()
				defer entSchemaMu.Unlock()
				var buf bytes.Buffer
				err := d.Client.Schema.WriteTo(ctx, &buf, entmigrate.WithDropColumn(true), entmigrate.WithDropIndex(true))
				if err != nil {
					t.Fatalf("Schema.WriteTo: %v", err)
				}
				return statements(buf.String())
			}
			if drift() == "" {
				t.Fatal("an empty database shows no drift: the check cannot see anything")
			}
			if _, err := migrate.Apply(ctx, d, nil); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if ddl := drift(); ddl != "" {
				t.Fatalf("the migrated database differs from the ent schema; missing migration:\n%s", ddl)
			}
		})
	}
}

func TestApplyConcurrentlyOnPostgresAppliesOnce(t *testing.T) {
	t.Parallel()
	url := testenv.NewPostgresDB(t)
	const starters = 3
	var (
		wg    sync.WaitGroup
		total = make(chan int, starters)
		errc  = make(chan error, starters)
	)
	for range starters {
		d := mustOpen(t, url) // one pool each, as separate instances would have
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := migrate.Apply(context.Background(), d, nil)
			total <- n
			errc <- err
		}()
	}
	wg.Wait()
	close(total)
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
	}
	sum := 0
	for n := range total {
		sum += n
	}
	if want := len(fileNames(t, embedded(t, "postgres"))); sum != want {
		t.Fatalf("starters applied %d files in all; want %d (each once)", sum, want)
	}
}

var entSchemaMu sync.Mutex

// statements drops comments and transaction wrappers from WriteTo's output.
func statements(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		l := strings.TrimSpace(line)
		switch {
		case l == "", strings.HasPrefix(l, "--"), strings.EqualFold(l, "BEGIN;"), strings.EqualFold(l, "COMMIT;"):
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

func TestApplyRejectsATamperedDirectory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		applyFirst bool
		add        bool // add a new file instead of editing the first
		rehash     bool
	}{
		{name: "edited file with a stale atlas.sum", rehash: false},
		{name: "file missing from atlas.sum", add: true, rehash: false},
		{name: "applied file edited and re-hashed", applyFirst: true, rehash: true},
	}
	for _, dia := range dialects {
		for _, tt := range tests {
			t.Run(dia.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				d := mustOpen(t, dia.url(t))
				dir := embedded(t, d.Driver())
				if tt.applyFirst {
					if _, err := migrate.ApplyFS(ctx, d, dir, nil); err != nil {
						t.Fatalf("Apply: %v", err)
					}
				}
				first := fileNames(t, dir)[0]
				change := map[string]string{first: mustRead(t, dir, first) + "\nCREATE TABLE sneaky (id integer);\n"}
				if tt.add {
					change = map[string]string{"29991231000000_extra.sql": "CREATE TABLE extra (id integer);\n"}
				}
				bad := edited(t, dir, change, tt.rehash)

				_, err := migrate.ApplyFS(ctx, d, bad, nil)
				if !errors.Is(err, migrate.ErrDirChanged) {
					t.Fatalf("ApplyFS = %v; want ErrDirChanged", err)
				}
				if _, err := migrate.StatusFS(ctx, d, bad); !errors.Is(err, migrate.ErrDirChanged) {
					t.Fatalf("StatusFS = %v; want ErrDirChanged", err)
				}
			})
		}
	}
}

func TestApplyRollsBackAFailingMigration(t *testing.T) {
	t.Parallel()
	for _, dia := range dialects {
		t.Run(dia.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			d := mustOpen(t, dia.url(t))
			dir := embedded(t, d.Driver())
			names := fileNames(t, dir)
			broken := edited(t, dir, map[string]string{
				"29991231000000_broken.sql": "CREATE TABLE half_done (id integer);\nCREATE TABLE broken (;\n",
			}, true)

			n, err := migrate.ApplyFS(ctx, d, broken, nil)
			if err == nil || errors.Is(err, migrate.ErrDirChanged) || n != 0 {
				t.Fatalf("ApplyFS = %d, %v; want 0 and an SQL error", n, err)
			}
			st, err := migrate.StatusFS(ctx, d, broken)
			if err != nil {
				t.Fatalf("StatusFS: %v", err)
			}
			if st.Current != "" || len(st.Pending) != len(names)+1 {
				t.Fatalf("StatusFS = %+v; want nothing applied, all %d pending", st, len(names)+1)
			}
			var exists bool
			if err := d.SQL.QueryRowContext(ctx, tableExists(d.Driver()), "half_done").Scan(&exists); err != nil {
				t.Fatal(err)
			}
			if exists {
				t.Fatal("table half_done survived the failed run")
			}
			// The good files still apply on their own.
			if n, err := migrate.ApplyFS(ctx, d, dir, nil); err != nil || n != len(names) {
				t.Fatalf("ApplyFS(good) = %d, %v; want %d", n, err, len(names))
			}
		})
	}
}

func tableExists(driver string) string {
	if driver == "postgres" {
		return `SELECT count(*) > 0 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	return `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?`
}
