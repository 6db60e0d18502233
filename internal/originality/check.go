package originality

import (
	"context"
	"fmt"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/fingerprint"
	"backbone/ent/privacy"
)

const (
	// MaxMatches is how many matches a Result lists at most.
	MaxMatches = 5
	// MinOverlap is the least overlap a Result lists as a match: below it, what two
	// answers share is a stray phrase or two (on the evaluation set, answers to other
	// questions on the same subject never share more than a few per cent).
	MinOverlap = 0.1
	// candidates is how many answers the query returns, best first, before they are cut
	// down to one per question: enough for the MaxMatches questions even when the best
	// ones have several revisions each (AI draft, rewrite, expert answers).
	candidates = 50
)

// Match is an earlier answer that holds part of the checked text.
type Match struct {
	QuestionID uuid.UUID
	RevisionID uuid.UUID
	// Overlap is the share of the checked text's fingerprints that this answer holds
	// (containment), from 0 to 1: about the share of the text copied from it.
	Overlap float64
}

// Result is the outcome of a check.
type Result struct {
	// Score is 1 minus the highest overlap with any answer of another question: 1 for
	// a wholly original text (or one too short to fingerprint), 0 for a copy.
	Score float64
	// Matches are the answers of other questions, one per question, with an overlap of
	// at least MinOverlap, the highest first; at most MaxMatches.
	Matches []Match
}

// system lets this package read the fingerprints, which no viewer may.
func system(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// Check compares text with every recorded answer of the other questions (those of
// questionID itself, such as the AI draft an expert edits, do not count). It reads only
// the answers that share a fingerprint with text, in one indexed query. client may be a
// transaction's client.
func Check(ctx context.Context, client *ent.Client, questionID uuid.UUID, text string) (Result, error) {
	fps := Fingerprints(text)
	if len(fps) == 0 {
		return Result{Score: 1}, nil
	}
	var rows []struct {
		RevisionID uuid.UUID `json:"revision_id"`
		QuestionID uuid.UUID `json:"question_id"`
		Shared     int       `json:"shared"`
	}
	// One row per (hash, revision), so a group's count is the number of distinct
	// fingerprints the revision shares with the text.
	err := client.Fingerprint.Query().
		Where(fingerprint.HashIn(fps...), fingerprint.QuestionIDNEQ(questionID)).
		Modify(func(s *entsql.Selector) {
			rev, q := s.C(fingerprint.FieldRevisionID), s.C(fingerprint.FieldQuestionID)
			s.Select(rev, q, entsql.As(entsql.Count("*"), "shared")).
				GroupBy(rev, q).
				OrderBy(entsql.Desc("shared"), rev).
				Limit(candidates)
		}).
		Scan(system(ctx), &rows)
	if err != nil {
		return Result{}, fmt.Errorf("originality check: %w", err)
	}
	res := Result{Score: 1}
	seen := make(map[uuid.UUID]bool, len(rows))
	for _, r := range rows {
		overlap := float64(r.Shared) / float64(len(fps))
		res.Score = min(res.Score, 1-overlap)
		if seen[r.QuestionID] || overlap < MinOverlap || len(res.Matches) == MaxMatches {
			continue
		}
		seen[r.QuestionID] = true
		res.Matches = append(res.Matches, Match{QuestionID: r.QuestionID, RevisionID: r.RevisionID, Overlap: overlap})
	}
	return res, nil
}
