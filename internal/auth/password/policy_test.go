package password_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"backbone/internal/auth/password"
	"backbone/internal/errs"
)

// wantRejected checks err is BAD_USER_INPUT on field "password" with the given reason.
func wantRejected(tb testing.TB, err error, reason string) *errs.Error {
	tb.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.BadUserInput {
		tb.Fatalf("error %v; want BAD_USER_INPUT", err)
	}
	if e.Extensions["field"] != "password" || e.Extensions["reason"] != reason {
		tb.Fatalf("extensions %v; want field=password reason=%s", e.Extensions, reason)
	}
	return e
}

func TestValidateEnforcesLengthAndEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, password, reason string // reason "" means accepted
	}{
		{"7 characters", "abcdefg", password.ReasonTooShort},
		{"8 characters", "abcdefgh", ""},
		{"128 characters", strings.Repeat("a", 128), ""},
		{"129 characters", strings.Repeat("a", 129), password.ReasonTooLong},
		{"8 emoji count as 8 characters", strings.Repeat("🔑", 8), ""},
		{"7 emoji are too short though 28 bytes", strings.Repeat("🔑", 7), password.ReasonTooShort},
		{"129 accented letters", strings.Repeat("é", 129), password.ReasonTooLong},
		{"invalid UTF-8", "abcdefgh\xff", password.ReasonInvalidUTF8},
		{"NUL character", "abcd\x00efgh", password.ReasonNUL},
		{"empty", "", password.ReasonTooShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := password.Validate(tt.password)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Validate: %v; want nil", err)
				}
				return
			}
			wantRejected(t, err, tt.reason)
		})
	}
}

func TestHashRefusesPasswordsOutsideThePolicy(t *testing.T) {
	t.Parallel()
	h := mustHasher(t, cheap)
	_, err := h.Hash(context.Background(), "short")
	wantRejected(t, err, password.ReasonTooShort)
}
