package questions

import (
	"context"
	"math"
	"strings"

	"github.com/google/uuid"
	"github.com/sergi/go-diff/diffmatchpatch"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/ent/assignment"
	"backbone/ent/question"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/originality"
	"backbone/internal/textx"
)

// SubmitAnswer delivers the expert's answer to the client: an EXPERT revision, the claim
// ends as SUBMITTED, the question (CLAIMED, or REVISION_REQUESTED for a revision)
// becomes DELIVERED. basedOn names the revision of this
// question the expert edited (an AI version, or their own earlier answer): the answer
// records it and how much was changed. The answer is checked for originality against
// the answers delivered for every other question first (AI versions are not compared);
// one scoring below the settings' threshold is refused. Once delivered, it is recorded
// for the checks of later answers. Errors: UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT (body 1..50000
// characters, basedOn not a revision of this question), NOT_FOUND, CONFLICT,
// UNORIGINAL (with "originality": the score and how much overlaps).
func (s *Service) SubmitAnswer(ctx context.Context, id uuid.UUID, body string, basedOn *uuid.UUID) (*ent.Question, error) {
	const op = "questions.SubmitAnswer"
	if _, err := textx.Markdown("body", body, textx.MaxAnswerBody, true); err != nil {
		return nil, errs.Wrap(op, err)
	}
	// Read what the transaction needs before it starts: the settings and the score (the
	// index read is the slow part, and must not hold the question's row).
	p, _, err := s.expert(ctx, s.db.Client, true, false)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	a, err := activeClaim(db.System(ctx), s.db.Client, id, p.UserID)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	set, err := s.current(ctx)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	score, err := originality.Check(db.System(ctx), s.db.Client, a.QuestionID, body)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	if score.Score < set.OriginalityThreshold {
		return nil, errs.Wrap(op, errs.E(errs.Unoriginal, "this answer overlaps too much with answers to other questions").
			With("originality", map[string]any{"score": score.Score, "overlap": 1 - score.Score, "threshold": set.OriginalityThreshold}))
	}
	return s.txQuestion(ctx, op, func(ctx context.Context, tx *ent.Client) (*ent.Question, error) {
		a, err := s.ownActiveClaim(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		base, err := basedOnRevision(ctx, tx, a.QuestionID, basedOn)
		if err != nil {
			return nil, err
		}
		now := s.now()
		if err := finish(ctx, tx, a, assignment.OutcomeSUBMITTED, "", now); err != nil {
			return nil, err
		}
		q, err := load(ctx, tx, a.QuestionID)
		if err != nil {
			return nil, err
		}
		aiAssisted, err := aiAssistedAnswer(ctx, tx, q, base)
		if err != nil {
			return nil, err
		}
		q, err = s.transit(ctx, tx, q, actDeliver, byExpert, func(up *ent.QuestionUpdateOne) {
			up.Where(question.ExpertID(p.UserID)).SetDeliveredAt(now).
				SetNillableAutoAcceptAt(autoAcceptAt(q, now)).SetAiAssisted(aiAssisted)
		})
		if err != nil {
			return nil, err
		}
		create := tx.AnswerRevision.Create().SetQuestionID(q.ID).SetKind(answerrevision.KindEXPERT).
			SetBody(body).SetAuthorID(p.UserID).SetCreatedAt(now).
			SetOriginalityScore(score.Score).SetOriginalityMatches(matchesJSON(score.Matches))
		if base != nil {
			create.SetBasedOnID(base.ID).SetChangeRatio(ChangeRatio(base.Body, body))
		}
		rev, err := create.Save(ctx)
		if err != nil {
			return nil, err
		}
		if err := originality.Record(ctx, tx, q.ID, rev.ID, body); err != nil {
			return nil, err
		}
		return q, record(ctx, tx, q, change{action: "question.delivered", delivered: true,
			meta: map[string]any{"originality": score.Score, "aiAssisted": aiAssisted}})
	})
}

// basedOnRevision reads the revision an answer was based on; it must belong to the
// question (BAD_USER_INPUT otherwise, whether it exists elsewhere or not).
func basedOnRevision(ctx context.Context, tx *ent.Client, questionID uuid.UUID, id *uuid.UUID) (*ent.AnswerRevision, error) {
	if id == nil {
		return nil, nil
	}
	r, err := tx.AnswerRevision.Query().Where(answerrevision.ID(*id), answerrevision.QuestionID(questionID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrNotItsRevision()
	}
	return r, err
}

// aiAssistedAnswer reports whether an answer to q based on base is AI-assisted: base is
// an AI version, or an expert's answer that was itself AI-assisted (its basedOn chain
// leads to one), or q's answer delivered before was. A revision of AI-assisted text
// stays AI-assisted, however little of the AI's words the expert edits this time.
func aiAssistedAnswer(ctx context.Context, tx *ent.Client, q *ent.Question, base *ent.AnswerRevision) (bool, error) {
	if q.AiAssisted {
		return true, nil
	}
	// basedOn always names an earlier revision, so the chain ends.
	for r := base; r != nil; {
		if r.Kind != answerrevision.KindEXPERT {
			return true, nil
		}
		if r.BasedOnID == nil {
			return false, nil
		}
		next, err := tx.AnswerRevision.Get(ctx, *r.BasedOnID)
		if err != nil {
			return false, err
		}
		r = next
	}
	return false, nil
}

// ErrNotItsRevision is SubmitAnswer's answer for a basedOn that names no revision of the
// question: another question's, one that does not exist, or an id of another type.
func ErrNotItsRevision() error {
	return errs.E(errs.BadUserInput, "basedOn must name a revision of this question").With("field", "basedOn")
}

// ChangeRatio is how much of before an edit changed, from 0 (unchanged) to 1 (all new):
// the word-level edit distance over the longer text's word count.
func ChangeRatio(before, after string) float64 {
	a, b := strings.Fields(before), strings.Fields(after)
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	dmp := diffmatchpatch.New()
	// One word a line, so that the line-mode diff compares words.
	ra, rb, _ := dmp.DiffLinesToRunes(strings.Join(a, "\n")+"\n", strings.Join(b, "\n")+"\n")
	edits := dmp.DiffLevenshtein(dmp.DiffMainRunes(ra, rb, false))
	return math.Min(1, float64(edits)/float64(max(len(a), len(b))))
}
