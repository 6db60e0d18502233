package db

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/internal/errs"
)

// Coded translates ent's errors into coded ones where ent is called, so that only
// internal/errs codes leave the services: a privacy denial is FORBIDDEN, a missing row
// NOT_FOUND, a failed field validator BAD_USER_INPUT and a violated constraint CONFLICT,
// each with a generic message and the ent error as its cause. nil, coded errors and any
// other error come back unchanged; a service that knows better (which row, which field)
// checks ent's error itself before and returns its own. A database that cannot be reached
// (unavailable) is UNAVAILABLE, even under a service's INTERNAL wrapping: the client may
// retry.
func Coded(err error) error {
	var coded *errs.Error
	switch {
	case err == nil:
		return err
	case unavailable(err) && errs.CodeOf(err) == errs.Internal:
		return &errs.Error{Code: errs.Unavailable, Message: "the database is unavailable; retry", Err: err}
	case errors.As(err, &coded):
		return err
	case errors.Is(err, privacy.Deny):
		return &errs.Error{Code: errs.Forbidden, Message: "not allowed", Err: err}
	case ent.IsNotFound(err):
		return &errs.Error{Code: errs.NotFound, Message: "not found", Err: err}
	case ent.IsValidationError(err):
		return &errs.Error{Code: errs.BadUserInput, Message: "invalid input", Err: err}
	case ent.IsConstraintError(err):
		return &errs.Error{Code: errs.Conflict, Message: "conflicts with existing data", Err: err}
	}
	return err
}

// connectError is a failure to open a connection to the database: the server is down,
// refuses connections or never answers (PostgreSQL's pool wraps them, stmtCacheConnector).
type connectError struct{ err error }

func (e connectError) Error() string { return e.err.Error() }
func (e connectError) Unwrap() error { return e.err }

// unavailable reports an error of the database's availability rather than of the work:
// no connection could be opened, the connection broke (driver.ErrBadConn), or the server
// is starting, shutting down or full. A context that ended is the caller's, not one.
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ce connectError
	if errors.As(err, &ce) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case pqerror.AdminShutdown, pqerror.CrashShutdown, pqerror.CannotConnectNow, pqerror.TooManyConnections:
		return true
	}
	return false
}
