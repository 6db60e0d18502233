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

// Posting is one line of a ledger transaction: an amount added to (positive) or taken from
// (negative) one account. It is append-only; the owner, kind and question are copied from
// the account and the transaction so that a user's ledger entries are one indexed query.
type Posting struct{ ent.Schema }

// Mixin of the Posting.
func (Posting) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the Posting. Every field is immutable.
func (Posting) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("transaction_id", uuid.UUID{}).Immutable(),
		field.UUID("account_id", uuid.UUID{}).Immutable(),
		field.UUID("owner_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		field.Enum("kind").Values(transactionKinds...).Immutable(),
		field.UUID("question_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		// In credits, never zero.
		field.Int64("amount").Immutable(),
	}
}

// Edges of the Posting.
func (Posting) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("transaction", LedgerTransaction.Type).Ref("postings").
			Field("transaction_id").Unique().Required().Immutable(),
		edge.From("account", Account.Type).Ref("postings").
			Field("account_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Posting.
func (Posting) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("owner_id", "created_at"),
		index.Fields("account_id", "created_at"),
		index.Fields("transaction_id"),
	}
}

// Policy of the Posting: users read the postings of their own accounts, admins all.
func (Posting) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowAdmin(), ownRowsOnly("owner_id")},
	}
}

// Annotations of the Posting: Relay pagination helpers (ledger entries). The GraphQL
// type of a posting is LedgerEntry (gqlgen.yml): Implements puts that name in the
// posting's implementors, so that field collection reads the fields of a
// `... on LedgerEntry` fragment (node(id:)), which it would otherwise skip.
func (Posting) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Implements("LedgerEntry")}
}
