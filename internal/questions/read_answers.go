package questions

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/internal/viewer"
)

// answersSQL reads the EXPERT revisions of the questions, oldest first; with a reader,
// only of those the reader may read them of. Plain SQL rather than ent (issue 18):
// through ent, the privacy filter's two EXISTS subqueries, the query's building and the
// generic scan were an eighth of a question page's CPU. Its WHERE is the read rule for
// answers written out (ent/schema revisionReaders, restricted to EXPERT revisions):
// admins read every answer (no reader); anyone else the answers of the questions they
// hold or held, and of their own questions once one was delivered (mayReadAnswer, the
// same rule over a question already read). TestAnswersForFollowsTheReadRules holds the
// three together.
func (s *Service) answersSQL(reader *uuid.UUID, questionIDs []uuid.UUID) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(questionIDs)+2)
	arg := func(v any) string {
		args = append(args, v)
		return s.db.Placeholder(len(args))
	}
	b.WriteString(`SELECT r.id, r.created_at, r.question_id, r.body, r.author_id, r.originality_score,
	r.originality_matches, r.based_on_id, r.change_ratio, r.model, r.prompt_version
FROM answer_revisions r`)
	if reader != nil {
		b.WriteString(` JOIN questions q ON q.id = r.question_id`)
	}
	b.WriteString(` WHERE r.kind = 'EXPERT' AND r.question_id IN (`)
	s.db.WriteInList(&b, len(args)+1, len(questionIDs))
	for _, id := range questionIDs {
		args = append(args, id)
	}
	b.WriteString(`)`)
	if reader != nil {
		b.WriteString(` AND (q.expert_id = ` + arg(*reader) + ` OR (q.client_id = ` + arg(*reader) + ` AND q.delivered_at IS NOT NULL))`)
	}
	b.WriteString(` ORDER BY r.created_at, r.id`)
	return b.String(), args
}

// answerReader is whom answersSQL applies the read rule for: nobody for an admin, who
// reads every answer.
func answerReader(p viewer.Principal) *uuid.UUID {
	if p.IsAdmin() {
		return nil
	}
	return &p.UserID
}

// mayReadAnswer is answersSQL's read rule for one question already read with its
// client_id, expert_id and delivered_at.
func mayReadAnswer(p viewer.Principal, q *ent.Question) bool {
	if p.IsAdmin() {
		return true
	}
	return (q.ExpertID != nil && *q.ExpertID == p.UserID) || (q.ClientID == p.UserID && q.DeliveredAt != nil)
}

// readAnswers runs answersSQL and calls each with every revision, oldest first. The
// revisions carry no ent client: their edges cannot be queried (graph resolves a
// revision's author and question through its loaders).
func (s *Service) readAnswers(ctx context.Context, reader *uuid.UUID, questionIDs []uuid.UUID, each func(*ent.AnswerRevision)) error {
	query, args := s.answersSQL(reader, questionIDs)
	rows, err := s.db.Client.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	// Declared once: Scan's arguments escape, so per row they would be allocated per row.
	var (
		author, basedOn      uuid.NullUUID
		score, change        sql.NullFloat64
		matches              []byte
		model, promptVersion sql.NullString
	)
	for rows.Next() {
		r := &ent.AnswerRevision{Kind: answerrevision.KindEXPERT}
		if err := rows.Scan(&r.ID, &r.CreatedAt, &r.QuestionID, &r.Body, &author, &score, &matches, &basedOn, &change, &model, &promptVersion); err != nil {
			return err
		}
		if author.Valid {
			r.AuthorID = new(author.UUID)
		}
		if basedOn.Valid {
			r.BasedOnID = new(basedOn.UUID)
		}
		if score.Valid {
			r.OriginalityScore = new(score.Float64)
		}
		if change.Valid {
			r.ChangeRatio = new(change.Float64)
		}
		if len(matches) > 0 {
			if err := json.Unmarshal(matches, &r.OriginalityMatches); err != nil {
				return err
			}
		}
		r.Model, r.PromptVersion = model.String, promptVersion.String
		each(r)
	}
	return rows.Err()
}
