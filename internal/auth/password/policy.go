package password

import (
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"backbone/internal/errs"
)

// Length limits of a new password, in runes (after NFKC normalization).
const (
	MinLength = 8
	MaxLength = 128
)

// Reasons, in the "reason" extension of a rejection, for clients that show their own text.
const (
	ReasonInvalidUTF8 = "invalid_utf8"
	ReasonNUL         = "nul_character"
	ReasonTooShort    = "too_short"
	ReasonTooLong     = "too_long"
	ReasonWeak        = "weak"
)

// Validate checks a new password's encoding and length. Errors: BAD_USER_INPUT with
// extensions field="password" and reason (one of the Reason constants).
func Validate(password string) error {
	if !utf8.ValidString(password) {
		return reject(ReasonInvalidUTF8, "password is not valid UTF-8 text")
	}
	if strings.IndexByte(password, 0) >= 0 {
		return reject(ReasonNUL, "password must not contain NUL characters")
	}
	n := utf8.RuneCount(normalize(password))
	if n < MinLength {
		return rejectf(ReasonTooShort, "password must be at least %d characters long", MinLength)
	}
	if n > MaxLength {
		return rejectf(ReasonTooLong, "password must be at most %d characters long", MaxLength)
	}
	return nil
}

// normalize applies NFKC (NIST SP 800-63B 5.1.1.2), so that the same password typed on
// different keyboards or systems (composed or decomposed accents) gives the same bytes.
func normalize(password string) []byte { return norm.NFKC.Bytes([]byte(password)) }

func reject(reason, msg string) *errs.Error {
	return errs.E(errs.BadUserInput, msg).With("field", "password").With("reason", reason)
}

func rejectf(reason, format string, args ...any) *errs.Error {
	return errs.Ef(errs.BadUserInput, format, args...).With("field", "password").With("reason", reason)
}

// Named returns err, a refusal of the policy, naming the argument that carried the
// password (such as "newPassword") rather than "password"; other errors as they are.
func Named(err error, field string) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Extensions["field"] == "password" {
		return e.With("field", field)
	}
	return err
}
