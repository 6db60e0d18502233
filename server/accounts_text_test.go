package main

import (
	"io"
	"strings"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/net/html"
)

// acXSSVectors are cases of the OWASP XSS filter evasion cheat sheet, written into a
// Markdown body (raw HTML, links and images).
var acXSSVectors = map[string]string{
	"script element":                  `<script>alert('XSS')</script>`,
	"script with src":                 `<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>`,
	"img onerror":                     `<img src=x onerror=alert(1)>`,
	"img javascript src":              `<IMG SRC="javascript:alert('XSS');">`,
	"img javascript, no quotes":       "<IMG SRC=javascript:alert(&quot;XSS&quot;)>",
	"img entity-encoded javascript":   `<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>`,
	"img hex-encoded javascript":      `<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>`,
	"img embedded tab":                "<IMG SRC=\"jav\tascript:alert('XSS');\">",
	"img embedded newline":            "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
	"svg onload":                      `<svg/onload=alert('XSS')>`,
	"body onload":                     `<BODY ONLOAD=alert('XSS')>`,
	"iframe javascript":               `<IFRAME SRC="javascript:alert('XSS');"></IFRAME>`,
	"iframe srcdoc":                   `<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	"style expression":                `<DIV STYLE="width: expression(alert('XSS'));">x</DIV>`,
	"style background javascript":     `<p style="background-image: url(javascript:alert('XSS'))">x</p>`,
	"style element":                   `<STYLE>@import'https://xss.rocks/xss.css';</STYLE>`,
	"meta refresh":                    `<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert('XSS');">`,
	"object data":                     `<OBJECT TYPE="text/x-scriptlet" DATA="https://xss.rocks/scriptlet.html"></OBJECT>`,
	"embed data URI":                  `<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml"></EMBED>`,
	"a href data URI":                 `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
	"a onmouseover":                   `<a onmouseover="alert(document.cookie)">xxs link</a>`,
	"markdown javascript link":        `[x](javascript:alert(1))`,
	"markdown javascript, encoded":    `[x](jav&#x09;ascript:alert(1))`,
	"markdown javascript, mixed case": `[x](JaVaScRiPt:alert(1))`,
	"markdown javascript, url-escape": `[x](javascript%3Aalert(1))`,
	"markdown javascript, spaced":     `[x]( javascript:alert(1) )`,
	"markdown data link":              `[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	"markdown image javascript":       `![x](javascript:alert(1))`,
	"markdown autolink javascript":    `<javascript:alert(1)>`,
	"markdown reference link":         "[x][r]\n\n[r]: javascript:alert(1)",
	"half-open tag":                   `<IMG SRC="javascript:alert('XSS')"`,
	"malformed a tags":                `\<a onmouseover="alert(document.cookie)"\>xxs link\</a\>`,
	"form action":                     `<form action="javascript:alert(1)"><button>go</button></form>`,
	"input onfocus autofocus":         `<input onfocus=alert(1) autofocus>`,
	"math and svg namespaces":         `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>`,
	"unicode escape in fence info":    "```js\" onclick=\"alert(1)\nx\n```",
}

// acUnsafe returns what in rendered HTML could run script, or "" when nothing could.
func acUnsafe(rendered string) string {
	z := html.NewTokenizer(strings.NewReader(rendered))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return ""
			}
			return "unparsable HTML: " + z.Err().Error()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "button", "meta", "link", "base", "body":
				return "a <" + tok.Data + "> element"
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, "on") || key == "style" || key == "srcdoc" || key == "formaction" {
					return "attribute " + a.Key + "=" + a.Val
				}
				if key == "href" || key == "src" || key == "action" || key == "xlink:href" || key == "poster" {
					if scheme := acScheme(a.Val); scheme != "" && scheme != "http" && scheme != "https" && scheme != "mailto" {
						return "URL " + a.Key + "=" + a.Val
					}
				}
			}
		}
	}
}

// acScheme is the scheme of a URL as a browser reads it (control characters and spaces
// ignored, any case), or "" for a relative URL.
func acScheme(raw string) string {
	v := strings.ToLower(strings.Map(func(r rune) rune {
		if r <= ' ' {
			return -1
		}
		return r
	}, raw))
	i := strings.IndexAny(v, ":/?#")
	if i <= 0 || v[i] != ':' {
		return ""
	}
	return v[:i]
}

// TestBodyHTMLIsSanitized submits a question per OWASP vector and has an expert answer one
// with all of them: Question.bodyHtml and AnswerRevision.bodyHtml hold nothing that can
// run script, while body stays as written, and Markdown, code and math survive.
func TestBodyHTMLIsSanitized(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	w.liftQuestionLimit(t) // a question per vector: more than the hourly limit
	client := w.callers[azClient]
	w.wfBuy(t, client.Token, qfPrice*(len(acXSSVectors)+1), uuid.NewString())
	const submit = `mutation($in: SubmitQuestionInput!) { submitQuestion(input: $in) { id body bodyHtml } }`
	type out struct {
		SubmitQuestion struct{ ID, Body, BodyHTML string }
	}
	var all strings.Builder
	for name, vector := range acXSSVectors {
		body := "Before the vector.\n\n" + vector + "\n\nAfter it."
		var o out
		w.mustGQL(t, client.Token, submit, map[string]any{"in": map[string]any{"subject": qfSubject, "title": name,
			"body": body, "urgency": "NORMAL", "idempotencyKey": uuid.NewString()}}, &o)
		if o.SubmitQuestion.Body != body {
			t.Errorf("%s: body changed on the way: %q", name, o.SubmitQuestion.Body)
		}
		if bad := acUnsafe(o.SubmitQuestion.BodyHTML); bad != "" {
			t.Errorf("%s: bodyHtml %q holds %s", name, o.SubmitQuestion.BodyHTML, bad)
		}
		if !strings.Contains(o.SubmitQuestion.BodyHTML, "After it.") {
			t.Errorf("%s: the text after the vector is lost: %q", name, o.SubmitQuestion.BodyHTML)
		}
		all.WriteString(vector + "\n\n")
	}

	// An expert's answer: code blocks and math survive, next to every vector at once.
	expert := w.qfExpert(t)
	id := w.qfClaimed(t, client, expert)
	answer := "Use **Rayleigh**: $I \\propto \\lambda^{-4}$ and\n\n$$\n\\int_0^1 x\\,dx\n$$\n\n```python\nprint('<b>')\n```\n\n" + all.String()
	var got struct {
		SubmitAnswer struct {
			Answer struct{ Body, BodyHTML string }
		}
	}
	w.mustGQL(t, expert.Token, `mutation($id: ID!, $b: String!) { submitAnswer(id: $id, body: $b) { answer { body bodyHtml } } }`,
		map[string]any{"id": id, "b": answer}, &got)
	h := got.SubmitAnswer.Answer.BodyHTML
	if bad := acUnsafe(h); bad != "" {
		t.Errorf("answer bodyHtml holds %s", bad)
	}
	for _, want := range []string{"<strong>Rayleigh</strong>", `<span class="math inline">$I \propto \lambda^{-4}$</span>`,
		`<span class="math display">$$` + "\n" + `\int_0^1 x\,dx` + "\n" + `$$</span>`,
		`<pre><code class="language-python">print(&#39;&lt;b&gt;&#39;)`} {
		if !strings.Contains(h, want) {
			t.Errorf("answer bodyHtml lacks %q:\n%s", want, h)
		}
	}
	var q struct {
		Question struct {
			BodyHTML  string
			Revisions []struct{ BodyHTML string }
		}
	}
	w.mustGQL(t, client.Token, `query($id: ID!) { question(id: $id) { bodyHtml revisions { bodyHtml } } }`, map[string]any{"id": id}, &q)
	if len(q.Question.Revisions) != 1 || q.Question.Revisions[0].BodyHTML != h {
		t.Errorf("revisions[0].bodyHtml differs from answer.bodyHtml")
	}
}

// TestPlainTextFieldsAreCheckedAndNormalised: a title with a control character, a bidi
// control or nothing visible is refused; one in decomposed Unicode is stored in NFC;
// markup is kept as typed. A display name follows the same rules.
func TestPlainTextFieldsAreCheckedAndNormalised(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client := w.callers[azClient]
	w.wfBuy(t, client.Token, qfPrice*3, uuid.NewString())
	submit := func(title string) gqlResponse {
		_, r := w.gql(t, client.Token, `mutation($in: SubmitQuestionInput!) { submitQuestion(input: $in) { title } }`,
			map[string]any{"in": map[string]any{"subject": qfSubject, "title": title, "body": "Body.", "urgency": "NORMAL", "idempotencyKey": uuid.NewString()}})
		return r
	}
	for _, bad := range []string{"Bell\u0007", "Esc\u001b[2J", "Del\u007f", "C1\u0085", "NUL\u0000", "   ", strings.Repeat("t", 201),
		"\u200b\u3164", "Refund \u202edenied\u202c", "\u2066Urgent\u2069"} {
		if r := submit(bad); r.codes() != "BAD_USER_INPUT" {
			t.Errorf("title %q: codes %q, want BAD_USER_INPUT", bad, r.codes())
		}
	}
	r := submit("  Cafe\u0301 <b>bold</b>\tand\r\nmore ")
	var o struct{ SubmitQuestion struct{ Title string } }
	if len(r.Errors) > 0 {
		t.Fatalf("a plain title: %v", r.Errors)
	}
	decodeData(t, r, &o)
	if want := "Caf\u00e9 <b>bold</b>\tand\nmore"; o.SubmitQuestion.Title != want {
		t.Errorf("title = %q, want %q (NFC, trimmed, CRLF as LF, markup as typed)", o.SubmitQuestion.Title, want)
	}
	// A register's display name follows the same rules.
	_, rr := w.gql(t, "", `mutation($in: RegisterInput!) { register(input: $in) { accessToken } }`, map[string]any{"in": map[string]any{
		"email": "ctl@example.com", "password": azPassword, "displayName": "Evil\u0008Name"}})
	if rr.codes() != "BAD_USER_INPUT" {
		t.Errorf("a display name with a backspace: codes %q, want BAD_USER_INPUT", rr.codes())
	}
	for _, name := range []string{"\u3164", "\u200b \u2800", "Support\u202e"} {
		_, rr = w.gql(t, "", `mutation($in: RegisterInput!) { register(input: $in) { accessToken } }`, map[string]any{"in": map[string]any{
			"email": "blank@example.com", "password": azPassword, "displayName": name}})
		if rr.codes() != "BAD_USER_INPUT" {
			t.Errorf("display name %q: codes %q, want BAD_USER_INPUT", name, rr.codes())
		}
	}
}
