package ai

import (
	"fmt"
	"math"
	"strings"

	"backbone/internal/textx"
)

// Length bounds of a rewrite, in words of prose (code excluded: it is kept verbatim and
// checked on its own). Plainer words and shorter sentences rarely shrink an answer below
// half without dropping content, and headings, lists and shorter sentences rarely grow it
// past 1.6x without adding some; the prompt asks for 0.5x..1.5x, leaving a margin. The slack
// keeps very short drafts, where ratios are noise, from failing on a few added words.
const (
	minWordRatio = 0.5
	maxWordRatio = 1.6
	wordSlack    = 10
)

// GuardError says what a rewrite lost or how its length went out of bounds. Its message
// is written to be shown to the model on the retry, and recorded as the failure.
type GuardError struct {
	Numbers    []string // numbers of the draft missing from the rewrite
	URLs       []string // links of the draft missing from the rewrite
	CodeSpans  []string // inline code of the draft missing from the rewrite's code
	CodeBlocks []string // code blocks of the draft missing from the rewrite's code
	Words      int      // prose words of the rewrite
	DraftWords int      // prose words of the draft
	MinWords   int
	MaxWords   int
}

func (e *GuardError) Error() string {
	var parts []string
	missing := func(what string, items []string, quote func(string) string) {
		if len(items) == 0 {
			return
		}
		const shown = 8
		var q []string
		for i, s := range items {
			if i == shown {
				q = append(q, fmt.Sprintf("and %d more", len(items)-shown))
				break
			}
			q = append(q, quote(s))
		}
		parts = append(parts, fmt.Sprintf("missing %s %s", what, strings.Join(q, ", ")))
	}
	plain := func(s string) string { return s }
	missing("numbers", e.Numbers, plain)
	missing("links", e.URLs, plain)
	missing("inline code", e.CodeSpans, func(s string) string { return "`" + textx.Truncate(s, 60) + "`" })
	missing("code blocks starting", e.CodeBlocks, func(s string) string {
		first, _, _ := strings.Cut(s, "\n")
		return fmt.Sprintf("%q", textx.Truncate(first, 60))
	})
	switch {
	case e.Words < e.MinWords:
		parts = append(parts, fmt.Sprintf("too short: %d words, at least %d needed for a draft of %d words", e.Words, e.MinWords, e.DraftWords))
	case e.Words > e.MaxWords:
		parts = append(parts, fmt.Sprintf("too long: %d words, at most %d allowed for a draft of %d words", e.Words, e.MaxWords, e.DraftWords))
	}
	return "rewrite check failed: " + strings.Join(parts, "; ")
}

// CheckRewrite reports, as a *GuardError, whether rewrite lost a number, link, inline code
// or code block of draft, or strayed from the draft's length; nil means it passed.
// Numbers are compared without their grouping commas ("1,000" = "1000"), links without a
// trailing slash, code with its indentation and trailing spaces normalised.
func CheckRewrite(draft, rewrite string) error {
	d, r := extractFacts(draft), extractFacts(rewrite)
	e := &GuardError{}

	// Numbers may move into code or a link in the rewrite: look for them everywhere.
	have := map[string]bool{}
	for _, n := range numbers(strings.Join(append(append([]string{r.prose}, r.urls...), r.code()...), "\n")) {
		have[n] = true
	}
	for _, n := range numbers(d.prose) {
		if !have[n] {
			e.Numbers = append(e.Numbers, n)
		}
	}

	for _, u := range unique(d.urls) {
		want := strings.TrimSuffix(u, "/")
		if want == "" {
			continue
		}
		if !strings.Contains(rewrite, want) && !containedIn(want, r.urls) {
			e.URLs = append(e.URLs, u)
		}
	}

	code := r.code()
	for _, s := range unique(d.spans) {
		if !containedIn(s, code) {
			e.CodeSpans = append(e.CodeSpans, s)
		}
	}
	for _, b := range unique(d.blocks) {
		if !containedIn(b, r.blocks) {
			e.CodeBlocks = append(e.CodeBlocks, b)
		}
	}

	e.DraftWords, e.Words = countWords(d.prose), countWords(r.prose)
	e.MinWords = int(math.Floor(minWordRatio * float64(e.DraftWords)))
	e.MaxWords = int(math.Ceil(maxWordRatio*float64(e.DraftWords))) + wordSlack

	if len(e.Numbers)+len(e.URLs)+len(e.CodeSpans)+len(e.CodeBlocks) == 0 &&
		e.Words >= e.MinWords && e.Words <= e.MaxWords {
		return nil
	}
	return e
}

func countWords(s string) int { return len(strings.Fields(s)) }

func containedIn(s string, in []string) bool {
	for _, x := range in {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func unique(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := list[:0:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
