package schema

import (
	"backbone/ent/privacy"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// Account is one account of the double-entry ledger. Its id is derived from what it is
// for (package wallet computes it), so an account is found or created without a lookup.
// Balance is the sum of its postings, kept in the same database transaction; a CHECK
// constraint backs the service's conditional updates: only EXTERNAL may go negative.
type Account struct{ ent.Schema }

// Mixin of the Account.
func (Account) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the Account.
func (Account) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values(accountKinds...).Immutable(),
		// The user the account belongs to; empty for REVENUE and EXTERNAL.
		field.UUID("owner_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		// The question an ESCROW account holds the price of.
		field.UUID("question_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		// In credits; integers only, never floats.
		field.Int64("balance").Default(0),
	}
}

// Edges of the Account.
func (Account) Edges() []ent.Edge {
	return []ent.Edge{
		// A user with money on the books is suspended, never deleted.
		edge.To("owner", User.Type).Field("owner_id").Unique().Immutable().
			Annotations(entgql.Skip(), entsql.OnDelete(entsql.NoAction)),
		edge.To("postings", Posting.Type).Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the Account.
func (Account) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("owner_id", "kind"),
		index.Fields("question_id"),
	}
}

// Policy of the Account: users read their own accounts, admins all.
func (Account) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowAdmin(), ownRowsOnly("owner_id")},
	}
}

// Annotations of the Account: the non-negative balance check and Relay pagination.
func (Account) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{
			"accounts_balance_non_negative": "kind = 'EXTERNAL' OR balance >= 0",
		}),
		entgql.RelayConnection(),
	}
}
