package auth

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"backbone/internal/errs"
	"backbone/internal/settings"
	"backbone/internal/textx"
)

// Input limits, in runes unless said otherwise.
const (
	maxEmailBytes   = 254
	maxDisplayName  = 100
	maxSubjects     = 10
	maxSubjectLen   = settings.MaxSubjectLength // a subject's name, as the settings allow it
	maxBio          = 2000
	maxAPIKeyName   = 100
	maxActiveAPIKey = 20
)

// NormalizeEmail trims an address, normalises it to Unicode NFC (as all typed text is, so
// that a composed and a decomposed spelling are one address), lower-cases it and checks
// that it is a bare address. Every email a user gives goes through it. Errors are
// BAD_USER_INPUT on field "email".
func NormalizeEmail(raw string) (string, error) {
	bad := errs.E(errs.BadUserInput, "enter a valid email address").With("field", "email")
	if !utf8.ValidString(raw) {
		return "", bad
	}
	e := strings.ToLower(norm.NFC.String(strings.TrimSpace(raw)))
	if e == "" || len(e) > maxEmailBytes {
		return "", bad
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || addr.Name != "" || !strings.Contains(e[strings.LastIndexByte(e, '@'):], ".") {
		return "", bad
	}
	return e, nil
}

// CleanDisplayName applies the display-name rule: 1..100 characters of one-line text
// (textx.Line: no bidi controls, something visible). Errors are BAD_USER_INPUT on field
// "displayName".
func CleanDisplayName(s string) (string, error) {
	return textx.Line("displayName", s, maxDisplayName, true)
}

// cleanText applies the plain-text rules of textx.Plain (no control characters but
// newline and tab, NFC, trimmed) with 1..max characters (0..max when optional).
func cleanText(s, field string, max int, optional bool) (string, error) {
	return textx.Plain(field, s, max, !optional)
}

// cleanSubjects validates an expert's subjects: 1..maxSubjects distinct names.
func cleanSubjects(in []string) ([]string, error) {
	if len(in) == 0 || len(in) > maxSubjects {
		return nil, errs.Ef(errs.BadUserInput, "name between 1 and %d subjects", maxSubjects).With("field", "subjects")
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, s := range in {
		c, err := cleanText(s, "subjects", maxSubjectLen, false)
		if err != nil {
			return nil, err
		}
		c = strings.ToLower(c)
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}
