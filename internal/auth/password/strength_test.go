package password_test

import (
	"strings"
	"testing"

	"backbone/internal/auth/password"
)

func TestCheckStrength(t *testing.T) {
	t.Parallel()
	const email, name = "alice.smith@example.com", "Alice Smith"
	tests := []struct {
		name, password string
		weak           bool
	}{
		{"top common password", "password", true},
		{"common password with digits", "password123", true},
		{"l33t common password", "p@ssw0rd2024", true},
		{"keyboard row", "qwertyuiop123", true},
		{"repetition", "abcabcabcabcabc", true},
		{"single dictionary word with a digit", "Tr0ub4dour&3", true},
		{"the email itself", "alice.smith@example.com", true},
		{"the email's local part and a year", "alice.smith1987!", true},
		{"the display name", "AliceSmith2024", true},
		{"the display name in another case", "ALICESMITHrocks!", true},
		{"too short even if random", "xK9#mQ", true},
		{"random characters", "xK9#mQ2$vL7!", false},
		{"four random words", "correct horse battery staple", false},
		{"a sentence", "my cat eats violet umbrellas", false},
		{"non-Latin passphrase", "日本語のパスワードは長い", false},
		{"long strong password past the window", strings.Repeat("vQ7$kd9Lm2#x", 10), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := password.CheckStrength(tt.password, email, name)
			if !tt.weak {
				if err != nil {
					t.Fatalf("CheckStrength(%q): %v; want nil", tt.password, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckStrength(%q) = nil; want an error", tt.password)
			}
		})
	}
}

func TestCheckStrengthExplainsWhatIsWeak(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, password, reason string
		warnings               bool
	}{
		{"weak password lists warnings", "password123", password.ReasonWeak, true},
		{"personal password lists warnings", "AliceSmith2024", password.ReasonWeak, true},
		{"short password gets the length reason", "abc", password.ReasonTooShort, false},
		{"invalid UTF-8 is refused before zxcvbn", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", password.ReasonInvalidUTF8, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := wantRejected(t, password.CheckStrength(tt.password, "alice.smith@example.com", "Alice Smith"), tt.reason)
			w, _ := e.Extensions["warnings"].([]string)
			if tt.warnings && len(w) == 0 {
				t.Fatalf("no warnings in %v", e.Extensions)
			}
		})
	}
}

func TestCheckStrengthIgnoresShortOrMissingUserInputs(t *testing.T) {
	t.Parallel()
	// A three-letter name or a missing email must not forbid every password containing it.
	if err := password.CheckStrength("annotated violet umbrellas", "ann@example.com", "Ann"); err != nil {
		t.Fatalf("CheckStrength: %v; want nil", err)
	}
	if err := password.CheckStrength("correct horse battery staple", "", ""); err != nil {
		t.Fatalf("CheckStrength without user inputs: %v; want nil", err)
	}
}
