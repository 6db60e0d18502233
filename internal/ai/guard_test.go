package ai_test

import (
	"errors"
	"strings"
	"testing"

	"backbone/internal/ai"
)

const guardDraft = "The loop runs 1,000 times and costs 3.14 ms per pass, so budget 3.2 s.\n\n" +
	"Call `sort.Slice(xs, less)` first; see [the docs](https://pkg.go.dev/sort/) for details.\n\n" +
	"1. Read the input.\n2. Sort it.\n\n" +
	"```go\nfunc less(i, j int) bool {\n\treturn xs[i] < xs[j]\n}\n```\n"

// guardRewrite keeps every fact of guardDraft in other words: numbers regrouped, the link
// bare and without its trailing slash, the list as bullets, the code block indented.
const guardRewrite = "It loops 1000 times at 3.14 ms a pass. Plan for 3.2 s in all.\n\n" +
	"- First, read the input.\n- Then sort it with `sort.Slice(xs, less)`, as https://pkg.go.dev/sort explains:\n\n" +
	"    ```go\n    func less(i, j int) bool {\n    \treturn xs[i] < xs[j]\n    }\n    ```\n"

func guardError(t *testing.T, draft, rewrite string) *ai.GuardError {
	t.Helper()
	err := ai.CheckRewrite(draft, rewrite)
	var g *ai.GuardError
	if !errors.As(err, &g) {
		t.Fatalf("CheckRewrite = %v, want a *GuardError", err)
	}
	return g
}

func TestRewriteKeepingEveryFactPasses(t *testing.T) {
	if err := ai.CheckRewrite(guardDraft, guardRewrite); err != nil {
		t.Fatal(err)
	}
}

func TestRewriteMissingANumberFails(t *testing.T) {
	g := guardError(t, guardDraft, strings.Replace(guardRewrite, "3.14", "about 3", 1))
	if len(g.Numbers) != 1 || g.Numbers[0] != "3.14" || len(g.URLs)+len(g.CodeSpans)+len(g.CodeBlocks) != 0 {
		t.Errorf("%+v", g)
	}
	if !strings.Contains(g.Error(), "missing numbers 3.14") {
		t.Errorf("message %q", g)
	}
	// A rounded or rewritten number is a missing one; grouping commas are not.
	g = guardError(t, "Pay 1,250.50 dollars.", "Pay 1250.5 dollars.")
	if len(g.Numbers) != 1 || g.Numbers[0] != "1250.50" {
		t.Errorf("%+v", g)
	}
	if err := ai.CheckRewrite("Pay 1250.50 dollars.", "You pay 1,250.50 dollars."); err != nil {
		t.Errorf("regrouped number refused: %v", err)
	}
}

func TestRewriteMissingALinkFails(t *testing.T) {
	g := guardError(t, guardDraft, strings.Replace(guardRewrite, "https://pkg.go.dev/sort", "the sort package docs", 1))
	if len(g.URLs) != 1 || g.URLs[0] != "https://pkg.go.dev/sort/" {
		t.Errorf("%+v", g)
	}
	g = guardError(t, "See https://go.dev/doc/effective_go for style.", "See https://go.dev/doc for style.")
	if len(g.URLs) != 1 || !strings.Contains(g.Error(), "missing links https://go.dev/doc/effective_go") {
		t.Errorf("a shortened link passed: %v", g)
	}
}

func TestRewriteMissingInlineCodeFails(t *testing.T) {
	// The same words without backticks are prose, not code.
	g := guardError(t, guardDraft, strings.Replace(guardRewrite, "`sort.Slice(xs, less)`", "sort.Slice(xs, less)", 1))
	if len(g.CodeSpans) != 1 || g.CodeSpans[0] != "sort.Slice(xs, less)" || len(g.Numbers)+len(g.URLs)+len(g.CodeBlocks) != 0 {
		t.Errorf("%+v", g)
	}
	if !strings.Contains(g.Error(), "missing inline code `sort.Slice(xs, less)`") {
		t.Errorf("message %q", g)
	}
}

func TestRewriteChangingACodeBlockFails(t *testing.T) {
	g := guardError(t, guardDraft, strings.Replace(guardRewrite, "xs[i] < xs[j]", "xs[i] <= xs[j]", 1))
	if len(g.CodeBlocks) != 1 || !strings.Contains(g.Error(), `missing code blocks starting "func less(i, j int) bool {"`) {
		t.Errorf("%v", g)
	}
	cut := guardRewrite[:strings.Index(guardRewrite, "    ```go")]
	if g := guardError(t, guardDraft, cut); len(g.CodeBlocks) != 1 {
		t.Errorf("dropped block: %+v", g)
	}
}

func TestRewriteLengthBounds(t *testing.T) {
	draft := strings.Repeat("This sentence has exactly seven plain words. ", 20) // 140 words
	half := strings.Repeat("This sentence has exactly seven plain words. ", 10)  // 70: the floor
	if err := ai.CheckRewrite(draft, half); err != nil {
		t.Errorf("half the length refused: %v", err)
	}
	g := guardError(t, draft, strings.Repeat("This sentence has exactly seven plain words. ", 9)+"Short one.")
	if g.Words != 65 || g.MinWords != 70 || !strings.Contains(g.Error(), "too short: 65 words, at least 70 needed for a draft of 140 words") {
		t.Errorf("%+v: %v", g, g)
	}
	long := strings.Repeat("This sentence has exactly seven plain words. ", 34) // 238 = 1.6 x 140 + 14
	g = guardError(t, draft, long)
	if g.MaxWords != 234 || !strings.Contains(g.Error(), "too long: 238 words, at most 234 allowed") {
		t.Errorf("%+v: %v", g, g)
	}
	// Code does not count: a rewrite that keeps a long block is judged on its prose.
	block := "\n\n```\n" + strings.Repeat("x := 1\n", 200) + "```\n"
	if err := ai.CheckRewrite(draft+block, half+block); err != nil {
		t.Errorf("code counted as words: %v", err)
	}
	// A few words more on a very short draft are within the slack.
	if err := ai.CheckRewrite("Use a map.", "The simplest way is to use a map here."); err != nil {
		t.Errorf("short draft: %v", err)
	}
}

func TestGuardErrorListsEveryProblem(t *testing.T) {
	err := ai.CheckRewrite(guardDraft, "Sort the input.")
	want := "rewrite check failed: missing numbers 1000, 3.14, 3.2; missing links https://pkg.go.dev/sort/; " +
		"missing inline code `sort.Slice(xs, less)`; missing code blocks starting \"func less(i, j int) bool {\"; " +
		"too short: 3 words, at least 13 needed for a draft of 27 words"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}
