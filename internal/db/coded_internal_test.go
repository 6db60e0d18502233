package db

import (
	"context"
	"errors"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"backbone/ent"
	"backbone/internal/errs"
)

// TestCodedReportsAClosedPortAsUnavailable: a read on a pool whose server is gone fails
// with UNAVAILABLE, a code clients may retry on, not INTERNAL.
func TestCodedReportsAClosedPortAsUnavailable(t *testing.T) {
	t.Parallel()
	// Port 1: nothing listens. The pool connects at the first statement.
	pool, _, err := newPostgresPool("postgres://postgres@127.0.0.1:1/none?sslmode=disable", options{})
	if err != nil {
		t.Fatal(err)
	}
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dialect.Postgres, pool)))
	defer client.Close()
	_, err = client.Account.Query().Count(System(context.Background()))
	got := Coded(errs.Wrap("accounts.Me", err)) // as a service returns it
	var coded *errs.Error
	if !errors.As(got, &coded) || coded.Code != errs.Unavailable || coded.Message != "the database is unavailable; retry" {
		t.Fatalf("Coded(%v) = %v; want UNAVAILABLE", err, got)
	}
}
