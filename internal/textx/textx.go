// Package textx holds small text helpers shared by the services.
package textx

import "unicode/utf8"

// MaxAnswerBody bounds an answer's Markdown body, in characters and in bytes: the
// database's limit of AnswerRevision.body, which an expert's answer and a model's answer
// must both fit.
const MaxAnswerBody = 50000

// Truncate returns the longest prefix of s of at most n bytes that does not split a
// UTF-8 sequence.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
