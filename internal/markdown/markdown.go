// Package markdown turns the Markdown bodies of questions and answers into HTML that is
// safe to insert into a page: goldmark renders it (GitHub-flavoured, raw HTML omitted),
// then bluemonday's UGC allow-list policy removes anything that could run script
// (script and style elements, event handler attributes, javascript: and data: URLs),
// whatever the renderer let through. Math written as $...$ stays as text, for a
// frontend's math renderer; fenced code keeps its language as class="language-x".
package markdown

import (
	"bytes"
	"crypto/sha256"
	"regexp"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// cacheEntries bounds the rendered bodies kept in memory. Bodies are immutable once
// stored (an answer edit is a new revision), so an entry never goes stale; keyed by the
// source's hash, an entry holds only the HTML.
const cacheEntries = 1024

var (
	// goldmark without html.WithUnsafe writes "<!-- raw HTML omitted -->" for inline HTML.
	converter = goldmark.New(goldmark.WithExtensions(extension.GFM, mathExtension{}))
	policy    = newPolicy()
	cache, _  = lru.New[[sha256.Size]byte, string](cacheEntries)
)

// newPolicy is bluemonday's UGC policy plus the language class of fenced code.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]{1,40}$`)).OnElements("code")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^math (inline|display)$`)).OnElements("span")
	p.RequireNoReferrerOnLinks(true)
	return p
}

// HTML renders a Markdown body as sanitized HTML. It is safe for concurrent use, and
// repeated bodies are served from a small in-memory cache.
func HTML(src string) string {
	key := sha256Of(src)
	if html, ok := cache.Get(key); ok {
		return html
	}
	html := render(src)
	cache.Add(key, html)
	return html
}

func render(src string) string {
	var buf bytes.Buffer
	if err := converter.Convert([]byte(src), &buf); err != nil {
		// goldmark's HTML renderer fails only when writing fails, which a bytes.Buffer
		// does not; show the text escaped rather than nothing.
		return policy.Sanitize("<p>" + bluemonday.StrictPolicy().Sanitize(src) + "</p>")
	}
	return policy.SanitizeReader(&buf).String()
}

func sha256Of(src string) [sha256.Size]byte { return sha256.Sum256([]byte(src)) }
