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

// LedgerTransaction is one money operation: a set of postings that sum to zero. It is
// append-only.
type LedgerTransaction struct{ ent.Schema }

// Mixin of the LedgerTransaction.
func (LedgerTransaction) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the LedgerTransaction. Every field is immutable.
func (LedgerTransaction) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values(transactionKinds...).Immutable(),
		field.UUID("question_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		field.UUID("payout_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		// Who caused it: the buyer, the granting admin...; empty for the system.
		field.UUID("actor_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		// A grant's reason, a purchase's provider reference.
		field.String("memo").MaxLen(500).Optional().Immutable(),
	}
}

// Edges of the LedgerTransaction.
func (LedgerTransaction) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("postings", Posting.Type),
	}
}

// Indexes of the LedgerTransaction.
func (LedgerTransaction) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("kind", "created_at"),
		index.Fields("question_id"),
	}
}

// Policy of the LedgerTransaction: admins read all, users those with a posting of theirs.
func (LedgerTransaction) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowAdmin(), allowViaEdge("postings", "owner_id")},
	}
}

// Annotations of the LedgerTransaction: Relay pagination helpers.
func (LedgerTransaction) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
