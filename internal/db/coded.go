package db

import (
	"errors"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/internal/errs"
)

// Coded translates ent's errors into coded ones where ent is called, so that only
// internal/errs codes leave the services: a privacy denial is FORBIDDEN, a missing row
// NOT_FOUND, a failed field validator BAD_USER_INPUT and a violated constraint CONFLICT,
// each with a generic message and the ent error as its cause. nil, coded errors and any
// other error come back unchanged; a service that knows better (which row, which field)
// checks ent's error itself before and returns its own.
func Coded(err error) error {
	var coded *errs.Error
	switch {
	case err == nil, errors.As(err, &coded):
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
