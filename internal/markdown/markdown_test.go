package markdown

import (
	"strings"
	"testing"
)

func TestHTMLKeepsMarkdownCodeAndMath(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"emphasis", "Use *care*.", "<p>Use <em>care</em>.</p>"},
		{"fenced code keeps its language", "```go\nfmt.Println(\"<b>\")\n```", `<pre><code class="language-go">fmt.Println(&#34;&lt;b&gt;&#34;)`},
		{"inline math stays text", "Energy is $E = mc^2$ and $a_1 * b_1 * c$.", `<span class="math inline">$E = mc^2$</span> and <span class="math inline">$a_1 * b_1 * c$</span>`},
		{"display math keeps escapes", "$$\n\\int_0^1 x\\,dx\n$$", `<span class="math display">$$` + "\n\\int_0^1 x\\,dx\n" + `$$</span>`},
		{"prices are not math", "It costs $5 or $10.", "<p>It costs $5 or $10.</p>"},
		{"math is escaped", "$a<b$", `<span class="math inline">$a&lt;b$</span>`},
		{"https link", "[docs](https://example.com/a)", `<a href="https://example.com/a" rel="nofollow noreferrer">docs</a>`},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |", "<td>1</td>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := HTML(tc.src); !strings.Contains(got, tc.want) {
				t.Errorf("HTML(%q) = %q, want it to contain %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestHTMLDropsAForgedLanguageClass(t *testing.T) {
	got := HTML("```x\" onmouseover=\"alert(1)\ncode\n```")
	if strings.Contains(got, "onmouseover") {
		t.Errorf("an info string smuggled an attribute: %q", got)
	}
}

func TestHTMLCachesTheSameBody(t *testing.T) {
	src := "cached *body* " + t.Name()
	first := HTML(src)
	if _, ok := cache.Get(sha256Of(src)); !ok {
		t.Fatal("a rendered body was not cached")
	}
	if again := HTML(src); again != first {
		t.Errorf("second render %q differs from first %q", again, first)
	}
}
