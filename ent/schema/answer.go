package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"backbone/ent/privacy"
	"backbone/internal/textx"
)

// AnswerRevision is one version of a question's answer: an AI draft, its rewrite, or an
// expert's answer. Revisions are append-only; a client only ever sees EXPERT ones that were
// delivered.
type AnswerRevision struct{ ent.Schema }

// Mixin of the AnswerRevision.
func (AnswerRevision) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the AnswerRevision.
func (AnswerRevision) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("question_id", uuid.UUID{}).Immutable(),
		field.Enum("kind").Values("AI_DRAFT", "REWRITE", "EXPERT").Immutable(),
		field.Text("body").MaxLen(textx.MaxAnswerBody).NotEmpty().Immutable(),
		// The expert who wrote it; empty for AI revisions.
		field.UUID("author_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		// Similarity to known text, 0..1, once checked. Both skipped by entgql: the GraphQL
		// originalityScore and originalityMatches also read the question (who may see
		// them) and originalityMatches the score (checked yet?), so field collection must
		// not select these columns alone: asking for either reads the whole row.
		field.Float("originality_score").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipType)),
		field.JSON("originality_matches", []map[string]any{}).Optional().Annotations(entgql.Skip(entgql.SkipType)),
		// The revision an expert started from (submitAnswer's basedOn), and how much of it
		// they changed: 0 = unchanged, 1 = all new.
		field.UUID("based_on_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		field.Float("change_ratio").Optional().Nillable().Immutable(),
		// For AI versions: the model and the prompt file's version that wrote it.
		field.String("model").Optional().Immutable(),
		field.String("prompt_version").Optional().Immutable(),
	}
}

// Edges of the AnswerRevision.
func (AnswerRevision) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("question", Question.Type).Ref("revisions").Field("question_id").Unique().Required().Immutable(),
	}
}

// Indexes of the AnswerRevision.
func (AnswerRevision) Indexes() []ent.Index {
	return []ent.Index{index.Fields("question_id", "created_at"), index.Fields("author_id", "created_at")}
}

// Policy of the AnswerRevision: admins read every revision, others what revisionReaders
// allows (never an AI draft to a client).
func (AnswerRevision) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{allowAdmin(), revisionReaders()}}
}
