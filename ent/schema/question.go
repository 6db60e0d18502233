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

// questionStatuses follow the lifecycle in DESIGN.md.
var questionStatuses = []string{
	"SUBMITTED", "DRAFTING", "REWRITING", "CHECKING", "AWAITING_EXPERT", "CLAIMED",
	"DELIVERED", "REVISION_REQUESTED", "ACCEPTED", "DISPUTED", "RESOLVED",
	"CANCELLED", "DECLINED", "EXPIRED",
}

// Question is a client's paid question and where it stands in its lifecycle.
type Question struct{ ent.Schema }

// Mixin of the Question.
func (Question) Mixin() []ent.Mixin { return []ent.Mixin{questionIDMixin{}, TimeMixin{}} }

// The entgql.MapsTo annotations below name, besides each column's own GraphQL field,
// the fields graph resolves itself that read only that column: entgql's field collection
// reads every column of a page once it meets a field it does not know, so a page of
// questions with their client, expert and answer read all 24 columns (issue 18). A field
// reading two or more columns (terms, autoAcceptAt, revisionRequests, dispute: a Go switch
// takes each name once) stays unknown and still reads every column: slower, never wrong.
// A resolver that starts reading another column must move its field out of a mapping.

// questionIDMixin is IDMixin with the fields that need only the question's id.
type questionIDMixin struct{ IDMixin }

// Fields of the questionIDMixin: revisions and pipeline load by the id. The id is read
// on every page, so answer maps to delivered_at (below), which a page's answers need to
// decide their read rule without a join (graph.primeQuestionPage).
func (questionIDMixin) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(NewID).Immutable().
			Annotations(entgql.MapsTo("id", "revisions", "pipeline")),
	}
}

// Fields of the Question.
func (Question) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("client_id", uuid.UUID{}).Immutable().Annotations(entgql.MapsTo("clientID", "client")),
		field.String("subject").MaxLen(50).NotEmpty().Immutable(),
		field.String("title").MaxLen(200).NotEmpty(),
		field.Text("body").MaxLen(20000).NotEmpty().Annotations(entgql.MapsTo("body", "bodyHtml")),
		field.Enum("urgency").Values("LOW", "NORMAL", "HIGH", "URGENT").Immutable(),
		field.Time("deadline").Immutable().Annotations(entgql.OrderField("DEADLINE")),
		// The price held in escrow at submission, in credits.
		field.Int64("price").Positive().Immutable().Annotations(entgql.OrderField("PRICE")),
		field.Enum("status").Values(questionStatuses...).Default("SUBMITTED"),
		// The expert who holds or last held the question; revisions go back to them.
		field.UUID("expert_id", uuid.UUID{}).Optional().Nillable().Annotations(entgql.MapsTo("expertID", "expert")),
		field.Int("revision_count").Default(0).NonNegative(),
		field.Time("delivered_at").Optional().Nillable().Annotations(entgql.MapsTo("deliveredAt", "answer")),
		field.Time("closed_at").Optional().Nillable(),
		// The AI pipeline as a whole (PENDING, RUNNING, DONE, SKIPPED, FAILED); null for
		// questions submitted before it existed.
		field.Enum("pipeline_status").Values("PENDING", "RUNNING", "DONE", "SKIPPED", "FAILED").Optional().Nillable(),
		// Why the pipeline was skipped or failed.
		field.String("pipeline_reason").Optional(),
		// Whether the delivered answer was edited from an AI version (submitAnswer's basedOn,
		// directly or through AI-assisted answers); once true, later revisions keep it.
		field.Bool("ai_assisted").Default(false),
		// The settings version the question was submitted under, and the terms copied from
		// it: a later settings change applies to new questions only. Null for questions
		// submitted before settings were versioned (they follow the current settings).
		field.Int("settings_version").Optional().Nillable().Immutable(),
		field.Int("auto_accept_seconds").Optional().Nillable().Immutable(),
		field.Int("revision_limit").Optional().Nillable().Immutable(),
		field.Int("lease_seconds").Optional().Nillable().Immutable(),
		field.Int("platform_fee_bps").Optional().Nillable().Immutable(),
		// When the delivered answer is accepted for the client unless they act: set at
		// each delivery from auto_accept_seconds. Skipped by entgql: the GraphQL
		// autoAcceptAt reads the status too, so a page must not select this column alone.
		field.Time("auto_accept_at").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipType)),
	}
}

// Edges of the Question.
func (Question) Edges() []ent.Edge {
	return []ent.Edge{
		// Unbound: graph resolves client and expert through its loaders (primed for a page
		// in one statement), so Paginate must not eager-load them one query per edge.
		edge.To("client", User.Type).Field("client_id").Unique().Required().Immutable().
			Annotations(entgql.Unbind()),
		edge.To("expert", User.Type).Field("expert_id").Unique().Annotations(entgql.Unbind()),
		edge.To("revisions", AnswerRevision.Type).Annotations(entgql.Skip()),
		edge.To("assignments", Assignment.Type).Annotations(entgql.Skip()),
		edge.To("pipeline_stages", PipelineStage.Type).Annotations(entgql.Skip()),
	}
}

// Indexes of the Question.
func (Question) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("client_id", "created_at"),
		index.Fields("status", "subject", "deadline"),
		index.Fields("expert_id", "status"),
		index.Fields("status", "auto_accept_at"),
		index.Fields("created_at"),
	}
}

// Policy of the Question: clients read their own questions, experts those they hold or
// held and those waiting in their queue (QueuedFor), admins all.
func (Question) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{allowAdmin(), questionReaders()}}
}

// Annotations of the Question: Relay pagination.
func (Question) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
