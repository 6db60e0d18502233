package errs_test

import (
	"net/http"
	"testing"

	"backbone/internal/errs"
)

// TestHTTPStatus pins the statuses clients see for each code: a change here is a change
// of the API.
func TestHTTPStatus(t *testing.T) {
	t.Parallel()
	for code, want := range map[errs.Code]int{
		errs.Unauthenticated:       http.StatusUnauthorized,
		errs.Forbidden:             http.StatusForbidden,
		errs.BadUserInput:          http.StatusBadRequest,
		errs.RateLimited:           http.StatusTooManyRequests,
		errs.Unavailable:           http.StatusServiceUnavailable,
		errs.Internal:              http.StatusInternalServerError,
		errs.BadRequest:            http.StatusBadRequest,
		errs.MethodNotAllowed:      http.StatusMethodNotAllowed,
		errs.NotAcceptable:         http.StatusNotAcceptable,
		errs.UnsupportedMediaType:  http.StatusUnsupportedMediaType,
		errs.PayloadTooLarge:       http.StatusRequestEntityTooLarge,
		errs.OperationNotSupported: http.StatusBadRequest,
		// Field errors: answered with their data, the transport picks the status.
		errs.NotFound:            0,
		errs.Conflict:            0,
		errs.InsufficientCredits: 0,
		errs.Unoriginal:          0,
		errs.Cancelled:           0,
		errs.FailedPrecondition:  0,
		"SOMETHING_ELSE":         0,
	} {
		if got := errs.HTTPStatus(code); got != want {
			t.Errorf("HTTPStatus(%s) = %d, want %d", code, got, want)
		}
	}
}
