package db_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"

	"github.com/lib/pq"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/internal/db"
	"backbone/internal/errs"
)

func TestCodedTranslatesEntErrorsAndKeepsTheRest(t *testing.T) {
	t.Parallel()
	own := errs.E(errs.NotFound, "question not found")
	plain := errors.New("disk on fire")
	tests := []struct {
		name string
		in   error
		code errs.Code
		msg  string
	}{
		{"privacy denial", fmt.Errorf("query: %w", privacy.Deny), errs.Forbidden, "not allowed"},
		{"missing row", &ent.NotFoundError{}, errs.NotFound, "not found"},
		{"failed validator", &ent.ValidationError{Name: "title"}, errs.BadUserInput, "invalid input"},
		{"violated constraint", &ent.ConstraintError{}, errs.Conflict, "conflicts with existing data"},
		{"a service's own code", own, errs.NotFound, "question not found"},
		{"a wrapped ent error keeps the wrapper's code", errs.Wrap("op", &ent.NotFoundError{}), errs.Internal, ""},
		{"a broken connection", errs.Wrap("op", fmt.Errorf("query: %w", driver.ErrBadConn)), errs.Unavailable, "the database is unavailable; retry"},
		{"a server starting up", &pq.Error{Code: "57P03"}, errs.Unavailable, "the database is unavailable; retry"},
		{"a server shutting down", errs.Wrap("op", &pq.Error{Code: "57P01"}), errs.Unavailable, "the database is unavailable; retry"},
		{"a service's own code over an outage", errs.Wrap("op", &errs.Error{Code: errs.NotFound, Message: "gone", Err: driver.ErrBadConn}), errs.NotFound, "gone"},
		{"a request's own deadline", errs.Wrap("op", fmt.Errorf("%w: %w", context.DeadlineExceeded, driver.ErrBadConn)), errs.Internal, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := db.Coded(tt.in)
			var coded *errs.Error
			if !errors.As(got, &coded) || coded.Code != tt.code || coded.Message != tt.msg {
				t.Fatalf("Coded(%v) = %v; want %s %q", tt.in, got, tt.code, tt.msg)
			}
			if !errors.Is(got, tt.in) && !errors.Is(tt.in, got) {
				t.Fatalf("Coded(%v) = %v lost its cause", tt.in, got)
			}
		})
	}
	if db.Coded(nil) != nil || db.Coded(plain) != plain {
		t.Fatal("Coded must leave nil and errors that are not ent's unchanged")
	}
}

func TestInTxRunsAgainOnlyWhatMayRunAgain(t *testing.T) {
	t.Parallel()
	d := openSQLite(t)
	deadlock := &pq.Error{Code: "40P01"}
	tests := []struct {
		name     string
		fails    []error // what each run returns; past the end, nil
		runs     int
		wantErr  error
		wantCode errs.Code
	}{
		{"commits at once", nil, 1, nil, ""},
		{"a deadlock runs again", []error{deadlock}, 2, nil, ""},
		{"a lost race runs again", []error{fmt.Errorf("insert: %w", db.ErrRetry)}, 2, nil, ""},
		{"at most MaxAttempts runs", []error{deadlock, deadlock, deadlock, deadlock}, db.MaxAttempts, deadlock, errs.Internal},
		{"other errors end it", []error{&ent.NotFoundError{}}, 1, nil, errs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := 0
			err := db.InTx(context.Background(), d.Client, func(*ent.Client) error {
				runs++
				if runs <= len(tt.fails) {
					return tt.fails[runs-1]
				}
				return nil
			})
			if runs != tt.runs {
				t.Errorf("runs = %d, want %d", runs, tt.runs)
			}
			switch {
			case tt.wantCode == "" && err != nil:
				t.Errorf("InTx = %v, want nil", err)
			case tt.wantCode != "" && errs.CodeOf(err) != tt.wantCode:
				t.Errorf("InTx = %v, want code %s", err, tt.wantCode)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("InTx = %v, want it to wrap %v", err, tt.wantErr)
			}
		})
	}
}

// openSQLite opens a private in-memory database, closed with the test.
func openSQLite(t *testing.T) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), "sqlite::memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}
