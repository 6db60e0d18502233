package password

import "github.com/trustelem/zxcvbn/match"

// The sentences of a weak password's message, after zxcvbn's own feedback (feedback.coffee
// upstream, which the Go port lacks).
const (
	warnUserInput  = "It contains your email address or name."
	warnTop10      = "It is one of the 10 most common passwords."
	warnTop100     = "It is one of the 100 most common passwords."
	warnCommon     = "It is a very common password."
	warnSimilar    = "It is similar to a commonly used password."
	warnWord       = "A single word is easy to guess."
	warnNames      = "Names and surnames are easy to guess."
	warnRow        = "Straight rows of keys are easy to guess."
	warnKeyPattern = "Short keyboard patterns are easy to guess."
	warnRepeat     = "Repeated characters or groups like \"aaa\" or \"abcabc\" are easy to guess."
	warnSequence   = "Sequences like \"abc\" or \"6543\" are easy to guess."
	warnYear       = "Recent years are easy to guess."
	warnDate       = "Dates are often easy to guess."
	warnGuessable  = "It is too easy to guess."
	suggestion     = "Add another word or two; uncommon words are better, and a few random words make a strong password."
)

// feedback names the guessable patterns zxcvbn found, once each, in password order.
func feedback(seq []*match.Match) []string {
	var out []string
	add := func(w string) {
		if w != "" && !contains(out, w) {
			out = append(out, w)
		}
	}
	for _, m := range seq {
		add(warning(m))
	}
	return out
}

func warning(m *match.Match) string {
	switch m.Pattern {
	case "dictionary":
		return dictionaryWarning(m)
	case "spatial":
		if m.Turns == 1 {
			return warnRow
		}
		return warnKeyPattern
	case "repeat":
		return warnRepeat
	case "sequence":
		return warnSequence
	case "regex":
		if m.RegexName == "recent_year" {
			return warnYear
		}
	case "date":
		return warnDate
	}
	return "" // bruteforce: nothing to name
}

func dictionaryWarning(m *match.Match) string {
	switch m.DictionaryName {
	case "user_inputs":
		return warnUserInput
	case "passwords":
		switch {
		case m.L33t || m.Reversed:
			return warnSimilar
		case m.Rank <= 10:
			return warnTop10
		case m.Rank <= 100:
			return warnTop100
		}
		return warnCommon
	case "surnames", "male_names", "female_names":
		return warnNames
	case "english_wikipedia", "us_tv_and_film":
		return warnWord
	}
	return ""
}
