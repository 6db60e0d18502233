package originality

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The evaluation set: how it is made is told in testdata/README.md.

// answer is one answer of testdata/answers.md.
type answer struct {
	Subject, Question, Body string
	// Stored answers are recorded before the checks; fresh ones never are: they are the
	// new text that copies are mixed into, and negatives themselves.
	Stored bool
}

// evalCase is one text to check.
type evalCase struct {
	Kind string
	Text string
	// Source is the index of the stored answer the text copies from, -1 for a negative.
	Source int
	// Self is the index of the stored answer whose question the text is checked for
	// (a stored answer checked against the others), -1 for a question of its own.
	Self int
	// Copied is the share of the text's words taken from Source, 0 to 1.
	Copied float64
}

func (c evalCase) positive() bool { return c.Source >= 0 }

// Kinds of case. The recall target covers the positives that copy 40% or more.
const (
	kindVerbatim    = "verbatim copy"
	kindHalf        = "copied half in new text"
	kindForty       = "40% copied in new text"
	kindReordered   = "reordered sentences"
	kindLightEdit   = "light edits (1 word in 10)"
	kindSurface     = "case, whitespace, punctuation"
	kindTwenty      = "20% copied in new text"
	kindOtherAnswer = "negative: another answer, same subject"
	kindFresh       = "negative: new answer, same subject"
)

var header = regexp.MustCompile(`(?m)^@@ (.+?) \| (stored|fresh) \| (.+)$`)

// loadAnswers reads testdata/answers.md.
func loadAnswers(tb testing.TB) []answer {
	tb.Helper()
	raw, err := os.ReadFile("testdata/answers.md")
	if err != nil {
		tb.Fatal(err)
	}
	src := string(raw)
	locs := header.FindAllStringSubmatchIndex(src, -1)
	out := make([]answer, len(locs))
	for i, m := range locs {
		end := len(src)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		out[i] = answer{
			Subject:  src[m[2]:m[3]],
			Stored:   src[m[4]:m[5]] == "stored",
			Question: src[m[6]:m[7]],
			Body:     strings.TrimSpace(src[m[1]:end]),
		}
	}
	if len(out) < 100 {
		tb.Fatalf("testdata/answers.md holds %d answers, want 100", len(out))
	}
	return out
}

// sentenceEnd is the end of a sentence inside a line: ., ! or ? and the spaces after it.
var sentenceEnd = regexp.MustCompile(`[.!?]["”»)*]*\s+`)

// sentences splits a body into its lines, and each line into sentences.
func sentences(body string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		start := 0
		for _, m := range sentenceEnd.FindAllStringIndex(line, -1) {
			out = append(out, strings.TrimSpace(line[start:m[1]]))
			start = m[1]
		}
		if rest := strings.TrimSpace(line[start:]); rest != "" {
			out = append(out, rest)
		}
	}
	return out
}

func wordCount(s string) int { return len(strings.Fields(s)) }

// buildEvalSet derives the cases from the answers, the same every run (fixed seeds).
func buildEvalSet(answers []answer) []evalCase {
	fresh := map[string][]string{} // subject -> the sentences of its fresh answers
	var vocab []string
	seen := map[string]bool{}
	for _, a := range answers {
		if !a.Stored {
			fresh[a.Subject] = append(fresh[a.Subject], sentences(a.Body)...)
		}
		for _, w := range strings.FieldsFunc(strings.ToLower(a.Body), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if len(w) >= 3 && !seen[w] {
				seen[w] = true
				vocab = append(vocab, w)
			}
		}
	}
	slices.Sort(vocab)
	var cases []evalCase
	for i, a := range answers {
		rng := rand.New(rand.NewPCG(uint64(i), 2003))
		if !a.Stored {
			cases = append(cases, evalCase{Kind: kindFresh, Text: a.Body, Source: -1, Self: -1})
			continue
		}
		cases = append(cases, evalCase{Kind: kindOtherAnswer, Text: a.Body, Source: -1, Self: i})
		sents := sentences(a.Body)
		pos := func(kind, text string, copied float64) {
			cases = append(cases, evalCase{Kind: kind, Text: text, Source: i, Self: -1, Copied: copied})
		}
		pos(kindVerbatim, a.Body, 1)
		pos(kindReordered, reorder(rng, sents), 1)
		pos(kindLightEdit, lightEdit(rng, a.Body, vocab), 0.9)
		pos(kindSurface, surface(rng, sents), 1)
		for _, mix := range []struct {
			kind         string
			share, taken float64 // share of the result copied; share of the original taken
		}{{kindHalf, 0.5, 0.5}, {kindForty, 0.4, 0.6}, {kindTwenty, 0.2, 0.3}} {
			text, copied := embed(rng, sents, fresh[a.Subject], mix.taken, mix.share)
			pos(mix.kind, text, copied)
		}
	}
	return cases
}

// reorder shuffles the sentences, into an order other than the original.
func reorder(rng *rand.Rand, sents []string) string {
	out := slices.Clone(sents)
	for slices.Equal(out, sents) {
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	return strings.Join(out, " ")
}

var letters = regexp.MustCompile(`\p{L}+`)

// lightEdit replaces about one word in ten by another word of the corpus.
func lightEdit(rng *rand.Rand, body string, vocab []string) string {
	fields := strings.Fields(body)
	var wordAt []int
	for i, f := range fields {
		if letters.MatchString(f) {
			wordAt = append(wordAt, i)
		}
	}
	for _, j := range rng.Perm(len(wordAt))[:(len(wordAt)+5)/10] {
		i := wordAt[j]
		done := false
		fields[i] = letters.ReplaceAllStringFunc(fields[i], func(w string) string {
			if done {
				return w
			}
			done = true
			for {
				if v := vocab[rng.IntN(len(vocab))]; v != strings.ToLower(w) {
					return v
				}
			}
		})
	}
	return strings.Join(fields, " ")
}

// surface changes what should not count: letter case, whitespace, punctuation, Markdown.
func surface(rng *rand.Rand, sents []string) string {
	var b strings.Builder
	for _, s := range sents {
		switch rng.IntN(3) {
		case 0:
			s = strings.ToUpper(s)
		case 1:
			s = strings.ToLower(s)
		}
		switch rng.IntN(3) {
		case 0:
			s = strings.NewReplacer("**", "", "*", "", "_", "", "`", "").Replace(s)
		case 1:
			s = strings.NewReplacer(",", " ,", ".", "!", ":", " -", ";", ",").Replace(s)
		}
		b.WriteString(s)
		b.WriteString([]string{" ", "  ", "\n", " \t "}[rng.IntN(4)])
	}
	return b.String()
}

// embed takes a run of consecutive sentences, about taken of the original's words, and
// surrounds it with fresh sentences of the same subject until the copied run is about
// share of the result (never less: fresh text stops before it would dilute it further).
func embed(rng *rand.Rand, sents, fresh []string, taken, share float64) (string, float64) {
	total := wordCount(strings.Join(sents, " "))
	start := rng.IntN(len(sents))
	var run []string
	copied := 0
	for i := start; copied < int(taken*float64(total)); i = (i + 1) % len(sents) {
		run = append(run, sents[i])
		copied += wordCount(sents[i])
		if len(run) == len(sents) {
			break
		}
	}
	budget := int(float64(copied) * (1 - share) / share)
	var added []string
	words := 0
	for i := rng.IntN(len(fresh)); len(added) < len(fresh); i = (i + 1) % len(fresh) {
		n := wordCount(fresh[i])
		if words+n > budget {
			break
		}
		added = append(added, fresh[i])
		words += n
	}
	cut := rng.IntN(len(added) + 1)
	parts := slices.Concat(added[:cut], run, added[cut:])
	return strings.Join(parts, " "), float64(copied) / float64(copied+words)
}

// describe is a one-line view of a case, for failure messages.
func (c evalCase) describe() string {
	t := c.Text
	if len(t) > 80 {
		t = t[:80] + "…"
	}
	return fmt.Sprintf("%s (source %d, copied %.2f): %q", c.Kind, c.Source, c.Copied, t)
}
