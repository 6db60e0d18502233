package schema

import (
	"context"

	"entgo.io/ent/entql"

	"backbone/ent/privacy"
	"backbone/internal/viewer"
)

// questionReaders lets a client read their own questions and an expert the questions
// open to experts plus those they hold or held.
func questionReaders() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		p, ok := viewer.From(ctx)
		if !ok {
			return privacy.Denyf("no viewer")
		}
		mine := entql.FieldEQ("client_id", p.UserID)
		if p.Role == viewer.RoleExpert {
			f.Where(entql.Or(mine, entql.FieldEQ("expert_id", p.UserID), entql.FieldEQ("status", "AWAITING_EXPERT")))
		} else {
			f.Where(mine)
		}
		return privacy.Allow
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
