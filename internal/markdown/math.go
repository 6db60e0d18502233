package markdown

import (
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// mathExtension keeps TeX math as written: $...$ (inline) and $$...$$ (display, may span
// lines) are taken like code spans, so Markdown's escapes and emphasis do not mangle
// them (x\,dx, a_1 b_2), and are written with their delimiters inside
// <span class="math inline|display">, for a frontend's math renderer.
type mathExtension struct{}

func (mathExtension) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(parser.WithInlineParsers(util.Prioritized(mathParser{}, 150)))
	m.Renderer().AddOptions(renderer.WithNodeRenderers(util.Prioritized(mathRenderer{}, 150)))
}

// mathKind is the AST node kind of a math span.
var mathKind = ast.NewNodeKind("Math")

type mathNode struct {
	ast.BaseInline
	display bool
}

func (n *mathNode) Kind() ast.NodeKind { return mathKind }

func (n *mathNode) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

type mathParser struct{}

func (mathParser) Trigger() []byte { return []byte{'$'} }

// Parse reads $tex$ or $$tex$$. A single-dollar span must not start or end with a space
// and must not be followed by a digit, so that "costs $5 or $10" stays text.
func (mathParser) Parse(_ ast.Node, block text.Reader, _ parser.Context) ast.Node {
	line, start := block.PeekLine()
	opener := 0
	for opener < len(line) && line[opener] == '$' {
		opener++
	}
	if opener > 2 || opener == len(line) || (opener == 1 && isSpace(line[1])) {
		return nil
	}
	block.Advance(opener)
	l, pos := block.Position()
	node := &mathNode{display: opener == 2}
	for {
		line, segment := block.PeekLine()
		if line == nil {
			block.SetPosition(l, pos)
			return ast.NewTextSegment(start.WithStop(start.Start + opener))
		}
		for i := 0; i < len(line); i++ {
			switch line[i] {
			case '\\':
				i++ // an escaped dollar does not close
			case '$':
				run := 0
				for i+run < len(line) && line[i+run] == '$' {
					run++
				}
				closes := run == opener && (i == 0 || !isSpace(line[i-1]) || opener == 2) &&
					(opener == 2 || i+run >= len(line) || !isDigit(line[i+run]))
				if closes {
					if i > 0 {
						node.AppendChild(node, ast.NewRawTextSegment(segment.WithStop(segment.Start+i)))
					}
					block.Advance(i + run)
					if !node.HasChildren() {
						block.SetPosition(l, pos)
						return ast.NewTextSegment(start.WithStop(start.Start + opener))
					}
					return node
				}
				i += run - 1
			}
		}
		if opener == 1 { // inline math stays on one line
			block.SetPosition(l, pos)
			return ast.NewTextSegment(start.WithStop(start.Start + opener))
		}
		node.AppendChild(node, ast.NewRawTextSegment(segment))
		block.AdvanceLine()
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

type mathRenderer struct{}

func (mathRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(mathKind, renderMath)
}

func renderMath(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	m := n.(*mathNode)
	class, delim := "math inline", "$"
	if m.display {
		class, delim = "math display", "$$"
	}
	_, _ = w.WriteString(`<span class="` + class + `">` + delim)
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		seg := c.(*ast.Text).Segment
		_, _ = w.Write(util.EscapeHTML(seg.Value(source)))
	}
	_, _ = w.WriteString(delim + "</span>")
	return ast.WalkSkipChildren, nil
}
