package ai

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"strings"
)

// The prompts are files so that a change to one is a reviewed diff with a new version:
// a changed prompt gets a new file (draft.v2.md) and the version below moves to it, so
// that each stored answer names the exact instructions it was written with.
//
//go:embed prompts/*.md
var promptFiles embed.FS

// Prompt versions, recorded in Result.PromptVersion.
const (
	DraftPromptVersion   = "draft.v1"
	RewritePromptVersion = "rewrite.v1"
)

var (
	draftPrompt   = mustPrompt(DraftPromptVersion)
	rewritePrompt = mustPrompt(RewritePromptVersion)
)

func mustPrompt(version string) string {
	b, err := promptFiles.ReadFile("prompts/" + version + ".md")
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Question is what the client asked. Every field is untrusted text.
type Question struct {
	Subject, Urgency, Title, Body string
}

// blocks wrap untrusted text between tags carrying a random ID: the text stays verbatim
// (code in it keeps its < and &), and it cannot close the block early because it cannot
// know the ID. The instructions in the system prompt say only the exact closing tag counts.
type blocks struct{ id string }

func newBlocks(texts ...string) blocks {
	for {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
		id := hex.EncodeToString(b[:])
		clash := false
		for _, t := range texts {
			clash = clash || strings.Contains(t, id)
		}
		if !clash {
			return blocks{id: id}
		}
	}
}

func (b blocks) wrap(name, text string) string {
	return fmt.Sprintf("<%s-%s>\n%s\n</%s-%s>", name, b.id, text, name, b.id)
}

func (b blocks) question(q Question) string {
	return b.wrap("question", fmt.Sprintf("Subject: %s\nUrgency: %s\nTitle: %s\n\n%s",
		oneLine(q.Subject), oneLine(q.Urgency), oneLine(q.Title), q.Body))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// draftMessages is the system prompt and the user message of a draft: the question only.
func draftMessages(q Question) (system, user string) {
	b := newBlocks(q.Subject, q.Urgency, q.Title, q.Body)
	return draftPrompt, b.question(q)
}

// rewriteMessages adds the draft and, on the retry after a failed guard, what failed.
func rewriteMessages(q Question, draft, previousFailure string) (system, user string) {
	b := newBlocks(q.Subject, q.Urgency, q.Title, q.Body, draft, previousFailure)
	parts := []string{b.question(q), b.wrap("draft", draft)}
	if strings.TrimSpace(previousFailure) != "" {
		parts = append(parts, b.wrap("previous-failure", previousFailure))
	}
	return rewritePrompt, strings.Join(parts, "\n\n")
}
