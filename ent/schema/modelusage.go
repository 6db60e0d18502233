package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"backbone/ent/privacy"
)

// ModelUsage is what one answer of the AI provider cost: one row per stage attempt that
// the model answered, kept or not. The daily token budget sums these rows by the time
// they were spent; a stage's row (PipelineStage) shows only its last attempt, which an
// admin's retryPipeline replaces.
type ModelUsage struct{ ent.Schema }

// Mixin of the ModelUsage.
func (ModelUsage) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the ModelUsage. The question id is a plain column, as the fingerprints' are:
// the rows are an account of spending, written once and never joined.
func (ModelUsage) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("question_id", uuid.UUID{}).Immutable(),
		field.Enum("stage").Values("DRAFT", "REWRITE", "CHECK").Immutable(),
		field.String("model").Immutable(),
		field.Int("prompt_tokens").NonNegative().Immutable(),
		field.Int("completion_tokens").NonNegative().Immutable(),
	}
}

// Indexes of the ModelUsage.
func (ModelUsage) Indexes() []ent.Index {
	return []ent.Index{
		// The daily token budget sums the rows since midnight.
		index.Fields("created_at"),
	}
}

// Policy of the ModelUsage: read by the questions service only.
func (ModelUsage) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{allowAdmin(), systemOnly()}}
}

// Annotations of the ModelUsage: kept out of GraphQL.
func (ModelUsage) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
