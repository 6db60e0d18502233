package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"backbone/ent/privacy"
)

// Assignment is one expert's claim on a question, under a lease that must be extended
// or it expires, and how the claim ended.
type Assignment struct{ ent.Schema }

// Mixin of the Assignment.
func (Assignment) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the Assignment.
func (Assignment) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("question_id", uuid.UUID{}).Immutable(),
		field.UUID("expert_id", uuid.UUID{}).Immutable(),
		field.Time("claimed_at").Immutable(),
		field.Time("lease_expires_at"),
		// Empty while the claim is active.
		field.Enum("outcome").Values("SUBMITTED", "RELEASED", "EXPIRED", "DECLINED", "REASSIGNED").Optional().Nillable(),
		field.Time("ended_at").Optional().Nillable(),
		field.String("reason").MaxLen(1000).Optional(),
		// When the expert was told that this lease ends soon (LEASE_EXPIRING); cleared by an
		// extension, so that the new lease is told about too.
		field.Time("lease_warned_at").Optional().Nillable(),
	}
}

// Edges of the Assignment.
func (Assignment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("question", Question.Type).Ref("assignments").Field("question_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Assignment.
func (Assignment) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("expert_id", "outcome"),
		index.Fields("question_id", "claimed_at"),
		index.Fields("outcome", "lease_expires_at"),
	}
}

// Policy of the Assignment: experts read their own, admins all.
func (Assignment) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{allowAdmin(), ownRowsOnly("expert_id")}}
}
