package textx

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"backbone/internal/errs"
)

// Plain checks and normalises a plain-text field: a name, a title, a note or a reason.
// Such text is stored and returned as typed (never as HTML): frontends must escape it.
//
// CRLF and lone CR become LF (what a browser's textarea sends); any other control
// character than newline and tab is refused; the text is normalised to Unicode NFC and
// trimmed. It may be at most max characters and max bytes (ent's length checks count
// bytes), and must not be empty when required. Errors are BAD_USER_INPUT naming field.
func Plain(field, s string, max int, required bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", errs.Ef(errs.BadUserInput, "%s is not valid UTF-8 text", field).With("field", field)
	}
	s = newlines(s)
	if strings.ContainsFunc(s, forbidden) {
		return "", errs.Ef(errs.BadUserInput, "%s contains control characters (only newline and tab are allowed)", field).With("field", field)
	}
	s = strings.TrimSpace(norm.NFC.String(s))
	if s == "" && required {
		return "", errs.Ef(errs.BadUserInput, "%s is required", field).With("field", field)
	}
	if err := checkLength(field, s, max); err != nil {
		return "", err
	}
	return s, nil
}

// checkLength bounds s to max characters and max bytes, the one message of both kinds of
// text.
func checkLength(field, s string, max int) error {
	if utf8.RuneCountInString(s) > max || len(s) > max {
		return errs.Ef(errs.BadUserInput, "%s is too long (at most %d characters, fewer outside ASCII)", field, max).
			With("field", field).With("maxLength", max)
	}
	return nil
}

// forbidden reports a control character other than newline and tab.
func forbidden(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }

// newlines turns CRLF and lone CR into LF (what a browser's textarea sends).
func newlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// StripControl is Plain's rule for text no user typed (a model's answer), which is
// cleaned rather than refused: CRLF and lone CR become LF, and every other control
// character than newline and tab is removed (NUL among them, which PostgreSQL refuses in
// text). Invalid UTF-8 becomes U+FFFD.
func StripControl(s string) string {
	return strings.Map(func(r rune) rune {
		if forbidden(r) {
			return -1
		}
		return r
	}, newlines(s))
}

// Markdown checks a Markdown body: valid UTF-8, no NUL (PostgreSQL refuses it), not blank
// when required, at most max characters and bytes. It returns the text unchanged: the
// body is rendered to sanitized HTML when shown (see package markdown).
func Markdown(field, s string, max int, required bool) (string, error) {
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return "", errs.Ef(errs.BadUserInput, "%s must be valid text", field).With("field", field)
	case required && strings.TrimSpace(s) == "":
		return "", errs.Ef(errs.BadUserInput, "%s is required", field).With("field", field)
	}
	if err := checkLength(field, s, max); err != nil {
		return "", err
	}
	return s, nil
}
