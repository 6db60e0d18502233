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

// Line is Plain for a one-line label shown to others among other text: a display name or
// a question's title. It also refuses the bidirectional embedding, override and isolate
// controls (U+202A to U+202E, U+2066 to U+2069), which reorder what a reader sees (a name
// that reads as another, a title that reverses what follows it), and a text with no
// visible character (only spaces, format characters such as U+200B, and letters that
// render blank such as the Hangul fillers and the blank braille pattern). Errors are
// BAD_USER_INPUT naming field.
func Line(field, s string, max int, required bool) (string, error) {
	s, err := Plain(field, s, max, required)
	switch {
	case err != nil:
		return "", err
	case strings.ContainsFunc(s, bidiControl):
		return "", errs.Ef(errs.BadUserInput, "%s contains bidirectional text controls (U+202A to U+202E, U+2066 to U+2069)", field).With("field", field)
	case s != "" && !strings.ContainsFunc(s, visible):
		return "", errs.Ef(errs.BadUserInput, "%s has no visible character", field).With("field", field)
	}
	return s, nil
}

// bidiControl reports an embedding, override or isolate control: a mark (U+200E, U+200F,
// U+061C) changes the direction of no other character, and is allowed.
func bidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// visible reports a character that shows: not a space, not a format character (Cf), and
// not one of the letters that fonts draw blank.
func visible(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800': // Hangul fillers, blank braille pattern
		return false
	}
	return !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r)
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
