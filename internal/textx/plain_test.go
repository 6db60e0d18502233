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
