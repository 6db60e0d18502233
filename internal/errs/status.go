package errs

import "net/http"

// httpStatus is the one code-to-status table: the status of an HTTP response whose
// errors carry the code and no data. A code not here has none of its own (a field error
// is answered 200 with its data); the transport picks one.
var httpStatus = map[Code]int{
	Unauthenticated:       http.StatusUnauthorized,
	Forbidden:             http.StatusForbidden,
	BadUserInput:          http.StatusBadRequest,
	RateLimited:           http.StatusTooManyRequests,
	Unavailable:           http.StatusServiceUnavailable,
	Internal:              http.StatusInternalServerError,
	BadRequest:            http.StatusBadRequest,
	MethodNotAllowed:      http.StatusMethodNotAllowed,
	NotAcceptable:         http.StatusNotAcceptable,
	UnsupportedMediaType:  http.StatusUnsupportedMediaType,
	PayloadTooLarge:       http.StatusRequestEntityTooLarge,
	OperationNotSupported: http.StatusBadRequest,
}

// HTTPStatus returns the status of an HTTP response refused with code, or 0 when the
// code has none of its own.
func HTTPStatus(code Code) int { return httpStatus[code] }
