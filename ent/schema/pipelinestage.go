package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"backbone/ent/privacy"
)

// PipelineStage is one AI stage (draft, rewrite, originality check) of one question: at
// most one row per (question, stage), so a redelivered job finds what was done.
type PipelineStage struct{ ent.Schema }

// Mixin of the PipelineStage.
func (PipelineStage) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the PipelineStage.
func (PipelineStage) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("question_id", uuid.UUID{}).Immutable(),
		field.Enum("stage").Values("DRAFT", "REWRITE", "CHECK").Immutable(),
		field.Enum("status").Values("PENDING", "RUNNING", "DONE", "SKIPPED", "FAILED").Default("PENDING"),
		// How many times a worker started the stage (a redelivery after a crash counts).
		field.Int("attempts").Default(0).NonNegative(),
		field.Time("started_at").Optional().Nillable(),
		field.Time("finished_at").Optional().Nillable(),
		// The model that answered, its token counts and the prompt file's version.
		field.String("model").Optional(),
		field.String("prompt_version").Optional(),
		field.Int("prompt_tokens").Default(0).NonNegative(),
		field.Int("completion_tokens").Default(0).NonNegative(),
		// Milliseconds spent waiting for the provider (or the originality index).
		field.Int64("provider_ms").Default(0).NonNegative(),
		// Why the stage failed, or what its guard found; admins only.
		field.Text("error").Optional(),
	}
}

// Edges of the PipelineStage.
func (PipelineStage) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("question", Question.Type).Ref("pipeline_stages").Field("question_id").Unique().Required().Immutable(),
	}
}

// Indexes of the PipelineStage.
func (PipelineStage) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("question_id", "stage").Unique(),
		// The daily token budget sums the stages finished since midnight.
		index.Fields("finished_at"),
	}
}

// Policy of the PipelineStage: read through the questions service, which decides who
// sees models, tokens and errors.
func (PipelineStage) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{allowAdmin(), systemOnly()}}
}

// Annotations of the PipelineStage: not generated into GraphQL.
func (PipelineStage) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
