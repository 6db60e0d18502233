package originality

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// markdown parses answers as GitHub-flavoured Markdown (tables, strikethrough, task lists),
// the syntax the AI and the experts write. A goldmark parser is safe for concurrent use.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser()

// lineBreakTag matches an inline <br>.
var lineBreakTag = regexp.MustCompile(`(?i)^<br\b`)

// htmlTag matches a tag inside a raw HTML block, whose text is kept without its markup.
var htmlTag = regexp.MustCompile(`<[^>]*>`)

// words returns the text's words as compared: Unicode NFKC (so that full-width letters,
// ligatures and compatibility forms count as their plain forms), Markdown syntax removed
// (emphasis, headings, list markers, link targets, fences), case-folded, and split on
// everything that is not a letter, a digit or a combining mark (punctuation, whitespace).
// Invisible format characters (zero-width spaces and joiners, soft hyphens) are dropped
// first: a reader does not see them, so they must not split a word either.
//
// In the scripts written without spaces between words (spaceless), every character, with
// the combining marks after it, is a word of its own: a run of Chinese, Japanese or Thai
// text would otherwise be one word, and a paragraph a handful of them, too few for a
// k-gram, so that a copy in those languages would go unnoticed.
func words(s string) []string {
	visible := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	plain := plainText(norm.NFKC.String(visible))
	folded := cases.Fold().String(plain)
	const (
		between = iota // not in a word
		inWord         // in a word of a script written with spaces
		inChar         // in a character of a spaceless script
	)
	var out []string
	state, start := between, 0
	end := func(i int) {
		if state != between {
			out = append(out, folded[start:i])
		}
		state = between
	}
	for i, r := range folded {
		switch {
		case state == inChar && unicode.In(r, unicode.Mn, unicode.Mc):
			// A combining mark (a Thai vowel or tone mark) belongs to the character before it.
		case isSpaceless(r):
			end(i)
			state, start = inChar, i
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if state == inChar {
				end(i)
			}
			if state == between {
				state, start = inWord, i
			}
		default:
			end(i)
		}
	}
	end(len(folded))
	return out
}

// spaceless are the scripts written without spaces between words: Chinese characters
// (and Japanese kanji), the Japanese kana, Thai, Lao, Khmer and Burmese.
var spaceless = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana,
	unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar}

// isSpaceless reports whether r is a character of a script written without spaces, other
// than a combining mark. Every such script lies past U+0E00 (Thai), which spares most
// text the table lookups.
func isSpaceless(r rune) bool {
	return r >= 0x0e00 && unicode.In(r, spaceless...) && !unicode.In(r, unicode.Mn, unicode.Mc)
}

// plainText is the text a reader of the rendered Markdown sees: the words of every block,
// each block and line break ending in whitespace so that no two words run together.
func plainText(md string) string {
	src := []byte(md)
	doc := markdown.Parse(text.NewReader(src))
	var b strings.Builder
	b.Grow(len(src))
	lines := func(n ast.Node) {
		for i := 0; i < n.Lines().Len(); i++ {
			seg := n.Lines().At(i)
			b.Write(seg.Value(src))
			b.WriteByte('\n')
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if n.Type() == ast.TypeBlock {
				b.WriteByte('\n')
			}
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			b.Write(n.Segment.Value(src))
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(n.Value)
		case *ast.AutoLink:
			b.Write(n.URL(src))
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			lines(n)
			return ast.WalkSkipChildren, nil
		case *ast.HTMLBlock:
			// Text wrapped in a raw HTML block still counts; only its tags do not.
			var h strings.Builder
			for i := 0; i < n.Lines().Len(); i++ {
				seg := n.Lines().At(i)
				h.Write(seg.Value(src))
			}
			if n.HasClosure() {
				h.Write(n.ClosureLine.Value(src))
			}
			b.WriteString(htmlTag.ReplaceAllString(h.String(), " "))
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			// An inline tag is markup, not words: <b> inside a word leaves one word, and
			// only a <br> separates two.
			if n.Segments.Len() > 0 {
				if seg := n.Segments.At(0); lineBreakTag.Match(seg.Value(src)) {
					b.WriteByte(' ')
				}
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
