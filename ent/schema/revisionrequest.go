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

// RevisionRequest is a client's request that the expert revise a delivered answer, with
// the client's note. Append-only.
type RevisionRequest struct{ ent.Schema }

// Mixin of the RevisionRequest.
func (RevisionRequest) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the RevisionRequest.
func (RevisionRequest) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("question_id", uuid.UUID{}).Immutable(),
		field.UUID("client_id", uuid.UUID{}).Immutable(),
		// The expert asked to revise.
		field.UUID("expert_id", uuid.UUID{}).Immutable(),
		field.String("note").MaxLen(1000).Optional().Immutable(),
	}
}

// Indexes of the RevisionRequest.
func (RevisionRequest) Indexes() []ent.Index {
	return []ent.Index{index.Fields("question_id", "created_at")}
}

// Policy of the RevisionRequest: the question's client and the expert asked read it,
// admins all.
func (RevisionRequest) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{allowAdmin(), ownRowsAny("client_id", "expert_id")}}
}

// Annotations of the RevisionRequest: listed whole on its question, never paginated.
func (RevisionRequest) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
