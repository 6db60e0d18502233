package schema

import (
	"context"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/entql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/internal/viewer"
)

// questionReaders lets a client read their own questions, and an expert those they hold
// or held plus those waiting in their queue (QueuedFor): the same questions
// availableTasks lists and claimTask takes, so that question(id:) and node(id:) show an
// expert nothing more.
func questionReaders() privacy.QueryRule {
	return privacy.QuestionQueryRuleFunc(func(ctx context.Context, q *ent.QuestionQuery) error {
		p, ok := viewer.From(ctx)
		if !ok {
			return privacy.Denyf("no viewer")
		}
		q.Where(func(s *sql.Selector) {
			readable := []*sql.Predicate{sql.EQ(s.C("client_id"), p.UserID)}
			if p.Role == viewer.RoleExpert {
				readable = append(readable, sql.EQ(s.C("expert_id"), p.UserID), queuedFor(s, p.UserID))
			}
			s.Where(sql.Or(readable...))
		})
		return privacy.Allow
	})
}

// QueuedFor is the experts' queue rule, the one definition of it: the question waits
// for an expert (AWAITING_EXPERT) and is one the expert may take (ExpertTakes). The
// read rules and availableTasks apply it; claimTask and declineQuestion check the
// status they read themselves, then ExpertTakes.
func QueuedFor(expertID uuid.UUID) func(*sql.Selector) {
	return func(s *sql.Selector) { s.Where(queuedFor(s, expertID)) }
}

// ExpertTakes holds for the questions in one of the subjects of expertID (regardless
// of case), who is an active, approved expert now (read from the database, not the
// token), whatever their status.
func ExpertTakes(expertID uuid.UUID) func(*sql.Selector) {
	return func(s *sql.Selector) { s.Where(expertTakes(s, expertID)) }
}

func queuedFor(s *sql.Selector, expertID uuid.UUID) *sql.Predicate {
	return sql.And(sql.EQ(s.C("status"), "AWAITING_EXPERT"), expertTakes(s, expertID))
}

func expertTakes(s *sql.Selector, expertID uuid.UUID) *sql.Predicate {
	d := sql.Dialect(s.Dialect())
	u := d.Table("users").As("queue_expert")
	return sql.Exists(d.Select(u.C("id")).From(u).Where(sql.And(
		sql.EQ(u.C("id"), expertID),
		sql.EQ(u.C("role"), "EXPERT"),
		sql.EQ(u.C("status"), "ACTIVE"),
		sql.EQ(u.C("expert_status"), "APPROVED"),
		hasSubject(s.Dialect(), u.C("expert_subjects"), s.C("subject")),
	)))
}

// hasSubject reports whether the JSON array of strings in subjects holds subject,
// regardless of case (experts' subjects are stored in the settings' spelling since
// registration checks them, lower-cased before, and a subject's case may be renamed).
// Both are quoted column references.
func hasSubject(dialectName, subjects, subject string) *sql.Predicate {
	each := "json_each(" + subjects + ") AS subjects WHERE LOWER(subjects.value)"
	if dialectName == dialect.Postgres {
		each = "jsonb_array_elements_text(" + subjects + ") AS subjects(value) WHERE LOWER(subjects.value)"
	}
	return sql.P(func(b *sql.Builder) {
		b.WriteString("EXISTS (SELECT 1 FROM " + each + " = LOWER(" + subject + "))")
	})
}

// revisionReaders lets the expert who holds or held a question read all its answer
// revisions, and its client the expert's revisions once one was delivered (never the
// AI's drafts).
func revisionReaders() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		p, ok := viewer.From(ctx)
		if !ok {
			return privacy.Denyf("no viewer")
		}
		f.Where(entql.Or(
			entql.HasEdgeWith("question", entql.FieldEQ("expert_id", p.UserID)),
			entql.And(entql.FieldEQ("kind", "EXPERT"),
				entql.HasEdgeWith("question", entql.And(entql.FieldEQ("client_id", p.UserID), entql.FieldNotNil("delivered_at")))),
		))
		return privacy.Allow
	})
}
