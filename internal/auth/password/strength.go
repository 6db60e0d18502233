package password

import (
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"

	"backbone/internal/textx"
)

// Why trustelem/zxcvbn: it is a faithful port of Dropbox's zxcvbn 4.4.2 (same guesses and
// scores; upstream's tests ported) with no dependencies. The maintained fork of
// nbutton23/zxcvbn-go implements the older entropy model and, for one, rates 128 characters
// of "ab1!ab1!..." as strong. trustelem has no feedback messages, so feedback.go writes
// them from the matched patterns.

// MinScore is the zxcvbn score (0..4) a new password needs: 3 is "safely unguessable",
// about 10^10 guesses, against offline attacks on a slow hash.
const MinScore = 3

// strengthWindow bounds the bytes zxcvbn reads: its matching is quadratic and the input is
// the caller's (128 runes can cost over 100 ms). Longer passwords are judged by their head.
const strengthWindow = 64

// minUserInput is the length (in runes) from which an email's local part or a display name
// may not appear in the password.
const minUserInput = 4

// CheckStrength validates password (see Validate), then requires a zxcvbn score of at least
// MinScore, counting the user's email and display name as known words, and refuses a
// password that contains the email's local part or the whole display name. Errors:
// BAD_USER_INPUT with extensions field="password" and reason (a Reason constant); a weak
// password's error also carries warnings, the short sentences of its message.
func CheckStrength(password, email, displayName string) error {
	if err := Validate(password); err != nil {
		return err
	}
	pw := string(normalize(password))
	res := zxcvbn.PasswordStrength(textx.Truncate(pw, strengthWindow), userInputs(email, displayName))
	personal := containsUserInput(pw, email, displayName)
	if res.Score >= MinScore && !personal {
		return nil
	}
	warnings := feedback(res.Sequence)
	if personal && !contains(warnings, warnUserInput) {
		warnings = append([]string{warnUserInput}, warnings...)
	}
	if len(warnings) == 0 {
		warnings = []string{warnGuessable}
	}
	msg := "password is too weak: " + strings.Join(warnings, " ") + " " + suggestion
	return reject(ReasonWeak, msg).With("warnings", warnings)
}

// userInputs are the words zxcvbn treats as known to an attacker: the email, its parts
// and the display name and its words, in lower case.
func userInputs(email, displayName string) []string {
	email = strings.ToLower(strings.TrimSpace(email))
	displayName = strings.ToLower(strings.TrimSpace(displayName))
	inputs := []string{"backbone"}
	add := func(s string) {
		if s != "" && !contains(inputs, s) {
			inputs = append(inputs, s)
		}
	}
	add(email)
	local, domain, _ := strings.Cut(email, "@")
	add(local)
	for _, w := range strings.FieldsFunc(local+"."+domain, isSeparator) {
		add(w)
	}
	add(displayName)
	add(strings.Join(strings.Fields(displayName), ""))
	for _, w := range strings.FieldsFunc(displayName, isSeparator) {
		add(w)
	}
	return inputs
}

// containsUserInput reports whether pw contains the email's local part or the whole
// display name (spaces removed), ignoring case.
func containsUserInput(pw, email, displayName string) bool {
	pw = strings.ToLower(pw)
	local, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	name := strings.ToLower(strings.Join(strings.Fields(displayName), ""))
	for _, s := range []string{local, name} {
		if utf8.RuneCountInString(s) >= minUserInput && strings.Contains(pw, s) {
			return true
		}
	}
	return false
}

func isSeparator(r rune) bool { return strings.ContainsRune(" .-_+@", r) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
