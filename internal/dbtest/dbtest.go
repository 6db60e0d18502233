// Package dbtest opens migrated databases for tests.
package dbtest

import (
	"context"
	"log/slog"
	"testing"

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
