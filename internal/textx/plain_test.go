package textx_test

import (
	"errors"
	"strings"
	"testing"

	"backbone/internal/errs"
	"backbone/internal/textx"
)

// TestLengthLimitsSayTheyCountBytes: a Markdown body and plain text are bounded alike,
// and their refusal says the limit is lower outside ASCII and gives it.
func TestLengthLimitsSayTheyCountBytes(t *testing.T) {
	for name, check := range map[string]func(string) (string, error){
		"plain":    func(s string) (string, error) { return textx.Plain("title", s, 10, true) },
		"markdown": func(s string) (string, error) { return textx.Markdown("title", s, 10, true) },
	} {
		if _, err := check(strings.Repeat("a", 10)); err != nil {
			t.Errorf("%s: 10 ASCII characters refused: %v", name, err)
		}
		_, err := check(strings.Repeat("é", 6)) // 6 characters, 12 bytes
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.BadUserInput || !strings.Contains(e.Message, "fewer outside ASCII") ||
			e.Extensions["field"] != "title" || e.Extensions["maxLength"] != 10 {
			t.Errorf("%s: 6 é against a limit of 10: %#v", name, err)
		}
	}
}

// TestLineRefusesBidiControlsAndInvisibleText: a one-line label (a display name, a title)
// follows Plain and also refuses the bidi embedding, override and isolate controls, and a
// text with nothing visible in it; other format characters and letters among visible ones
// are kept.
func TestLineRefusesBidiControlsAndInvisibleText(t *testing.T) {
	for _, bad := range []string{
		"\u200b", "\u3164", "\u2800", "\u115f\u1160", "\uffa0", " \u200b \u2060\ufeff ", // nothing visible
		"Ann\u202a", "Ann\u202b", "Ann\u202c", "Ann\u202dx", "Ann\u202egnp.exe", // embeddings and overrides
		"\u2066Ann", "\u2067Ann", "\u2068Ann", "Ann\u2069", // isolates
		"Bell\u0007", // Plain's rules apply
	} {
		_, err := textx.Line("displayName", bad, 100, true)
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.BadUserInput || e.Extensions["field"] != "displayName" {
			t.Errorf("Line(%+q) = %v, want BAD_USER_INPUT on displayName", bad, err)
		}
	}
	for in, want := range map[string]string{
		" Rene\u0301 ":             "Ren\u00e9",
		"Zo\u200be":                "Zo\u200be",                // an invisible character among visible ones
		"\u05e9\u05dc\u05d5\u05dd": "\u05e9\u05dc\u05d5\u05dd", // right-to-left letters need no control
		"a\u200fb":                 "a\u200fb",                 // a right-to-left mark reorders nothing by itself
	} {
		if got, err := textx.Line("displayName", in, 100, true); err != nil || got != want {
			t.Errorf("Line(%+q) = %+q, %v; want %+q", in, got, err, want)
		}
	}
	if got, err := textx.Line("title", "  ", 100, false); err != nil || got != "" {
		t.Errorf("an optional blank line = %q, %v; want empty", got, err)
	}
}
