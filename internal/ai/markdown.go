package ai

import (
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// markdown parses GitHub-flavoured Markdown, as originality does: tables, and bare links
// (linkify), so that "see https://x.y" counts as a link. Safe for concurrent use.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser()

// facts are the parts of a Markdown answer the rewrite guards compare.
type facts struct {
	prose  string   // text outside code, link text included; where numbers and words are counted
	urls   []string // link, image and bare URL destinations
	spans  []string // inline code, whitespace collapsed
	blocks []string // fenced and indented code blocks, normalised by codeBlock
}

// code is every piece of code in the text: a draft's code span may reappear in a rewrite's block.
func (f facts) code() []string { return append(append([]string(nil), f.spans...), f.blocks...) }

func extractFacts(md string) facts {
	src := []byte(md)
	doc := markdown.Parse(text.NewReader(src))
	var f facts
	var prose strings.Builder
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if n.Type() == ast.TypeBlock {
			prose.WriteByte('\n') // so that words of two blocks never merge
		}
		switch n := n.(type) {
		case *ast.FencedCodeBlock:
			f.blocks = appendNonEmpty(f.blocks, codeBlock(linesOf(n, src)))
			return ast.WalkSkipChildren, nil
		case *ast.CodeBlock:
			f.blocks = appendNonEmpty(f.blocks, codeBlock(linesOf(n, src)))
			return ast.WalkSkipChildren, nil
		case *ast.CodeSpan:
			f.spans = appendNonEmpty(f.spans, collapseSpaces(inlineText(n, src)))
			return ast.WalkSkipChildren, nil
		case *ast.HTMLBlock, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		case *ast.AutoLink:
			f.urls = append(f.urls, string(n.URL(src)))
			return ast.WalkSkipChildren, nil
		case *ast.Link:
			f.urls = append(f.urls, string(n.Destination))
		case *ast.Image:
			f.urls = append(f.urls, string(n.Destination))
		case *ast.Text:
			prose.Write(n.Value(src))
			if n.SoftLineBreak() || n.HardLineBreak() {
				prose.WriteByte('\n')
			}
		case *ast.String:
			prose.Write(n.Value)
		}
		return ast.WalkContinue, nil
	})
	f.prose = prose.String()
	return f
}

func linesOf(n ast.Node, src []byte) string {
	var b strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(src))
	}
	return b.String()
}

func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Value(src))
		case *ast.String:
			b.Write(c.Value)
		}
	}
	return b.String()
}

// codeBlock normalises a code block so that re-indenting it (inside a list item, say) or
// trailing spaces do not count as a change; anything else does.
func codeBlock(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	indent := -1
	for _, l := range lines {
		if l == "" {
			continue
		}
		if n := len(l) - len(strings.TrimLeft(l, " \t")); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n")
}

var spaces = regexp.MustCompile(`\s+`)

func collapseSpaces(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

func appendNonEmpty(list []string, s string) []string {
	if s == "" {
		return list
	}
	return append(list, s)
}

// numberPattern finds digit runs with their decimal or grouping separators ("3.14", "1,000").
var numberPattern = regexp.MustCompile(`\d+(?:[.,]\d+)*`)

// thousands is a number written with comma grouping: "1,000" and "1000" are the same number.
var thousands = regexp.MustCompile(`^\d{1,3}(?:,\d{3})+(?:\.\d+)?$`)

// numbers lists the distinct numbers of s, normalised: grouping commas dropped, any other
// comma taken as a list separator ("1,2,3" is three numbers). Signs are ignored: "-5" may
// become "minus 5".
func numbers(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range numberPattern.FindAllString(s, -1) {
		parts := []string{strings.ReplaceAll(m, ",", "")}
		if !thousands.MatchString(m) {
			parts = strings.Split(m, ",")
		}
		for _, p := range parts {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}
