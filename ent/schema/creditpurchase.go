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

// CreditPurchase is one buyCredits: the pack bought (as it was then), the payment
// provider's session, and what the provider reported since.
type CreditPurchase struct{ ent.Schema }

// Mixin of the CreditPurchase.
func (CreditPurchase) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the CreditPurchase.
func (CreditPurchase) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuid.UUID{}).Immutable(),
		// The buyer's idempotency key: one purchase per (user, key).
		field.String("idempotency_key").MaxLen(200).NotEmpty().Immutable(),
		field.Int64("credits").Positive().Immutable(),
		// The pack as it was when bought; empty when the development provider sold a
		// credit count that no pack has.
		field.String("pack_id").MaxLen(40).Optional().Immutable(),
		// The price in minor units of currency (0 without a pack).
		field.Int64("amount").NonNegative().Default(0).Immutable(),
		field.String("currency").MaxLen(3).Optional().Immutable(),
		field.Enum("status").Values("PENDING", "COMPLETED", "FAILED", "EXPIRED", "REFUNDED").Default("PENDING"),
		field.String("provider").MaxLen(40).NotEmpty().Immutable(),
		// The provider's id of the checkout (a Stripe Checkout Session id).
		field.String("provider_ref").MaxLen(255).Optional(),
		// The provider's id of the payment (a Stripe PaymentIntent id), which refunds name.
		field.String("payment_ref").MaxLen(255).Optional(),
		field.Text("checkout_url").Optional(),
		// The ledger transaction that credited the wallet.
		field.UUID("transaction_id", uuid.UUID{}).Optional().Nillable(),
		field.Time("completed_at").Optional().Nillable(),
		// Credits the provider refunded: taken back, or flagged when the wallet lacked them.
		field.Int64("refunded_credits").NonNegative().Default(0),
		// Set when a payment needs an admin: an amount that does not match the pack, a
		// refund the wallet could not cover.
		field.Bool("flagged").Default(false),
		field.String("flag_reason").MaxLen(500).Optional(),
	}
}

// Edges of the CreditPurchase.
func (CreditPurchase) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable().
			Annotations(entgql.Skip()),
	}
}

// Indexes of the CreditPurchase.
func (CreditPurchase) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "idempotency_key").Unique(),
		index.Fields("user_id", "created_at"),
		index.Fields("provider", "payment_ref"),
		index.Fields("flagged", "created_at"),
	}
}

// Policy of the CreditPurchase: buyers read their own purchases, admins all.
func (CreditPurchase) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowAdmin(), ownRowsOnly("user_id")},
	}
}

// Annotations of the CreditPurchase: Relay pagination helpers.
func (CreditPurchase) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
