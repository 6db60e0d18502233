// Package dbtest opens migrated databases for tests.
package dbtest

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"
	"time"

	"backbone/internal/db"
	"backbone/internal/migrate"
)

// Open opens the database at url, applies every migration, and closes it when the test
// ends; it fails the test on any error.
func Open(tb testing.TB, url string) *db.DB {
	tb.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, url, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("db.Open: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	if _, err := migrate.Apply(ctx, d, nil); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return d
}

// WaitForLockWaiters returns once n sessions of the test's PostgreSQL database wait for a
// lock: the work under test is blocked where the test wants it. done is where that work
// reports: it must not report first. It fails the test after 30 s.
func WaitForLockWaiters(tb testing.TB, pool *sql.DB, n int, done <-chan error) {
	tb.Helper()
	for waited := time.Duration(0); ; waited += 10 * time.Millisecond {
		var waiting int
		if err := pool.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			tb.Fatal(err)
		}
		if waiting >= n {
			return
		}
		select {
		case err := <-done:
			tb.Fatalf("the work returned before %d sessions waited for a lock: %v", n, err)
		default:
		}
		if waited > 30*time.Second {
			tb.Fatalf("fewer than %d sessions waited for a lock", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
