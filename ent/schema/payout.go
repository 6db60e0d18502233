package schema

import (
	"backbone/ent/privacy"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// Payout is an expert's request to be paid some of their earnings, and an admin's decision.
type Payout struct{ ent.Schema }

// Mixin of the Payout.
func (Payout) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the Payout.
func (Payout) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("expert_id", uuid.UUID{}).Immutable(),
		field.Int64("amount").Positive().Immutable(),
		field.Enum("status").Values("PENDING", "APPROVED", "REJECTED").Default("PENDING"),
		field.UUID("decided_by", uuid.UUID{}).Optional().Nillable(),
		field.Time("decided_at").Optional().Nillable(),
		// The admin's note, such as why a payout was rejected.
		field.String("note").MaxLen(500).Optional(),
		field.UUID("request_transaction_id", uuid.UUID{}).Immutable(),
		field.UUID("decision_transaction_id", uuid.UUID{}).Optional().Nillable(),
	}
}

// Edges of the Payout.
func (Payout) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("expert", User.Type).Field("expert_id").Unique().Required().Immutable().
			Annotations(entgql.Skip()),
	}
}

// Indexes of the Payout.
func (Payout) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("expert_id", "created_at"),
		index.Fields("status", "created_at"),
	}
}

// Policy of the Payout: experts read their own payouts, admins all.
func (Payout) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowAdmin(), ownRowsOnly("expert_id")},
	}
}

// Annotations of the Payout: Relay pagination helpers.
func (Payout) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
