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

// Dispute is a client's objection to a delivered answer and an admin's resolution.
type Dispute struct{ ent.Schema }

// Mixin of the Dispute.
func (Dispute) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the Dispute.
func (Dispute) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("question_id", uuid.UUID{}).Unique().Immutable(),
		field.UUID("client_id", uuid.UUID{}).Immutable(),
		// The expert whose answer is disputed.
		field.UUID("expert_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		field.String("reason").MaxLen(2000).NotEmpty().Immutable(),
		field.Enum("status").Values("OPEN", "RESOLVED").Default("OPEN"),
		// Credits refunded to the client; the rest goes to the expert.
		field.Int64("refund").Optional().Nillable(),
		field.String("note").MaxLen(2000).Optional(),
		field.UUID("resolved_by", uuid.UUID{}).Optional().Nillable(),
		field.Time("resolved_at").Optional().Nillable(),
	}
}

// Indexes of the Dispute.
func (Dispute) Indexes() []ent.Index { return []ent.Index{index.Fields("status", "created_at")} }

// Policy of the Dispute: its client and its expert read it, admins all.
func (Dispute) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{allowAdmin(), ownRowsAny("client_id", "expert_id")}}
}

// Annotations of the Dispute: Relay pagination.
func (Dispute) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
