package originality

import (
	"context"
	"fmt"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"
	"github.com/lib/pq"

	"backbone/ent"
	"backbone/internal/db"
)

const (
	// MaxMatches is how many matches a Result lists at most.
	MaxMatches = 5
	// MinOverlap is the least overlap a Result lists as a match: below it, what two
	// answers share is a stray phrase or two (on the evaluation set, answers to other
	// questions on the same subject share no fingerprint at all).
	MinOverlap = 0.1
	// CommonAnswers is how many stored answers may hold a fingerprint before it counts
	// as boilerplate, as MOSS ignores code found in many programs: a stock sentence
	// ("let me know if anything is unclear") says nothing about copying, and reading the
	// posting list of a hash that half the answers hold would make a check's cost grow
	// with the number of answers. A check reads at most CommonAnswers+1 rows per
	// fingerprint.
	CommonAnswers = 500
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

// Check compares text with every recorded answer of the other questions (those of
// questionID itself do not count; the questions service records the answers delivered
// to clients). It reads only
// the answers that share a fingerprint with text, in one indexed query. Fingerprints
// that more than CommonAnswers answers hold are left out of the comparison, on both
// sides of the ratio. client may be a transaction's client.
func Check(ctx context.Context, client *ent.Client, questionID uuid.UUID, text string) (Result, error) {
	fps := Fingerprints(text)
	if len(fps) == 0 {
		return Result{Score: 1}, nil
	}
	var rows []struct {
		RevisionID uuid.UUID `json:"revision_id"`
		QuestionID uuid.UUID `json:"question_id"`
		Shared     int       `json:"shared"`
		Common     int       `json:"common"`
	}
	err := client.Fingerprint.Query().
		Modify(func(s *entsql.Selector) {
			s.FromExpr(entsql.ExprFunc(func(b *entsql.Builder) { candidatesQuery(b, fps, questionID) })).
				Select("revision_id", "question_id", "shared", "common")
		}).
		Scan(db.System(ctx), &rows)
	if err != nil {
		return Result{}, fmt.Errorf("originality check: %w", err)
	}
	res := Result{Score: 1}
	seen := make(map[uuid.UUID]bool, len(rows))
	for _, r := range rows {
		overlap := float64(r.Shared) / float64(len(fps)-r.Common)
		res.Score = min(res.Score, 1-overlap)
		if seen[r.QuestionID] || overlap < MinOverlap || len(res.Matches) == MaxMatches {
			continue
		}
		seen[r.QuestionID] = true
		res.Matches = append(res.Matches, Match{QuestionID: r.QuestionID, RevisionID: r.RevisionID, Overlap: overlap})
	}
	return res, nil
}

// candidatesQuery writes, as a derived table, the answers of other questions that share
// fingerprints with the text, best first: per revision, how many of the text's
// fingerprints it holds (shared, one row per hash and revision), and how many of the
// text's fingerprints are common (the same on every row). The two dialects compute the
// same thing; PostgreSQL, which serves the large deployments, reads no more than
// CommonAnswers+1 rows of each fingerprint's posting list.
func candidatesQuery(b *entsql.Builder, fps []int64, questionID uuid.UUID) {
	b.WriteString("(WITH posting AS (")
	if db.IsPostgres(b.Dialect()) {
		b.WriteString("SELECT h.hash, f.revision_id, f.question_id FROM unnest(").Arg(pq.Array(fps)).
			WriteString("::bigint[]) AS h(hash) CROSS JOIN LATERAL (SELECT revision_id, question_id FROM fingerprints WHERE hash = h.hash LIMIT ").
			Arg(CommonAnswers + 1).WriteString(") AS f), common AS (SELECT hash FROM posting GROUP BY hash HAVING count(*) > ").
			Arg(CommonAnswers).WriteString(")")
	} else {
		// SQLite has no LATERAL: it counts each posting list whole.
		b.WriteString("SELECT hash, revision_id, question_id, count(*) OVER (PARTITION BY hash) AS answers FROM fingerprints WHERE hash IN (").
			Args(toAny(fps)...).WriteString(")), common AS (SELECT DISTINCT hash FROM posting WHERE answers > ").
			Arg(CommonAnswers).WriteString(")")
	}
	b.WriteString(" SELECT revision_id, question_id, count(*) AS shared, (SELECT count(*) FROM common) AS common FROM posting WHERE question_id <> ").
		Arg(questionID).WriteString(" AND hash NOT IN (SELECT hash FROM common) GROUP BY revision_id, question_id ORDER BY shared DESC, revision_id LIMIT ").
		Arg(candidates).WriteString(") AS candidates")
}

func toAny(fps []int64) []any {
	out := make([]any, len(fps))
	for i, h := range fps {
		out[i] = h
	}
	return out
}
