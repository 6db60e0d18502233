// Package timestamp is the GraphQL Time scalar: gqlgen's own, except that a value it
// cannot read is BAD_USER_INPUT. gqlgen's error carries no code, so the error presenter
// took it for a fault of the server: INTERNAL, and a line in the error log, for a client's
// typo. gqlgen.yml binds the scalar to these functions.
package timestamp

import (
	"time"

	"github.com/99designs/gqlgen/graphql"

	"backbone/internal/errs"
)

// MarshalTime writes t as gqlgen does, in UTC (the schema's promise): RFC 3339 with
// nanoseconds, null for the zero time.
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t.UTC()) }

// UnmarshalTime reads what gqlgen reads (RFC 3339, with or without fractions of a
// second, "2006-01-02 15:04:05" as UTC, "" as the zero time), as the same instant in UTC;
// anything else is BAD_USER_INPUT. UTC, because SQLite (the embedded default) compares
// stored times as text: a bound with another offset compared its wall clock.
func UnmarshalTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, errs.E(errs.BadUserInput, "invalid time: pass an RFC 3339 timestamp such as 2026-01-31T09:30:00Z")
	}
	return t.UTC(), nil
}
