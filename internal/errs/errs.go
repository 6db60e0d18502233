// Package errs is the one error type of Backbone's services: a code, a message that is
// safe to show, the operation that failed and the wrapped cause.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for clients. The list is append-only: clients match on it.
type Code string

// The codes, as they appear in a GraphQL error's extensions.code.
const (
	Unauthenticated     Code = "UNAUTHENTICATED"
	Forbidden           Code = "FORBIDDEN"
	BadUserInput        Code = "BAD_USER_INPUT"
	NotFound            Code = "NOT_FOUND"
	Conflict            Code = "CONFLICT"
	InsufficientCredits Code = "INSUFFICIENT_CREDITS"
	RateLimited         Code = "RATE_LIMITED"
	Unavailable         Code = "UNAVAILABLE"
	Internal            Code = "INTERNAL"
	// Unoriginal refuses an answer too close to another question's answer.
	Unoriginal Code = "UNORIGINAL"
	// Cancelled: the client went away (closed its stream or request) before the answer.
	Cancelled Code = "CANCELLED"
	// FailedPrecondition: the caller must do something else first (the message says
	// what), such as set a payout method before requesting a payout.
	FailedPrecondition Code = "FAILED_PRECONDITION"
)

// The codes of requests a transport refuses before any service sees them (GraphQL over
// HTTP, websockets).
const (
	// BadRequest: the request is malformed (its body, its parameters, a subscribe
	// message's payload, a trusted document's id) or names a Host not in TRUSTED_HOSTS.
	BadRequest            Code = "BAD_REQUEST"
	MethodNotAllowed      Code = "METHOD_NOT_ALLOWED"
	NotAcceptable         Code = "NOT_ACCEPTABLE"
	UnsupportedMediaType  Code = "UNSUPPORTED_MEDIA_TYPE"
	PayloadTooLarge       Code = "PAYLOAD_TOO_LARGE" // a body over MAX_BODY_BYTES
	OperationNotSupported Code = "OPERATION_NOT_SUPPORTED"
)

// Error is a coded error. Message is shown to the client; Err is only logged.
type Error struct {
	Code    Code
	Message string
	// Op names the failing operation, such as "auth.Login"; for logs only.
	Op string
	// Extensions are extra facts for the client, such as a retry-after or a shortfall.
	Extensions map[string]any
	Err        error
}

// E builds a coded error with a client-safe message.
func E(code Code, message string) *Error { return &Error{Code: code, Message: message} }

// Ef is E with a formatted message.
func Ef(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap records op on err. A coded error keeps its code; anything else becomes INTERNAL.
// Wrap(op, nil) is nil.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		c := *e
		if c.Op == "" {
			c.Op = op
		} else {
			c.Op = op + ": " + c.Op
		}
		c.Err = err
		if c.Err == e {
			c.Err = e.Err
		}
		return &c
	}
	return &Error{Code: Internal, Op: op, Err: err}
}

// With returns a copy of e carrying one more extension.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Extensions = make(map[string]any, len(e.Extensions)+1)
	for k, v := range e.Extensions {
		c.Extensions[k] = v
	}
	c.Extensions[key] = value
	return &c
}

// Error implements error; it includes the cause, so it is for logs, not for clients.
func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the code of the first coded error in err's chain, or INTERNAL.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
