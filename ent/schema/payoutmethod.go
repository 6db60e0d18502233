package schema

import (
	"backbone/ent/privacy"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// PayoutMethod is where an expert's payouts go. The details (an IBAN, a PayPal address)
// are sealed at rest with AES-256-GCM (package internal/seal): only the key id and the
// sealed bytes are stored, bound to the expert's id.
type PayoutMethod struct{ ent.Schema }

// Mixin of the PayoutMethod.
func (PayoutMethod) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the PayoutMethod.
func (PayoutMethod) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuid.UUID{}).Unique().Immutable(),
		field.Enum("kind").Values("BANK_TRANSFER", "PAYPAL"),
		// The id of the data encryption key that sealed details.
		field.String("key_id").MaxLen(32).NotEmpty(),
		// nonce || ciphertext || tag.
		field.Bytes("details_sealed").Sensitive().NotEmpty(),
	}
}

// Edges of the PayoutMethod.
func (PayoutMethod) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable().
			Annotations(entgql.Skip()),
	}
}

// Indexes of the PayoutMethod: one per expert (setPayoutMethod replaces it).
func (PayoutMethod) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id").Unique()}
}

// Policy of the PayoutMethod: an expert reads their own, admins all (the service shows
// an admin the details only on a pending payout).
func (PayoutMethod) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowAdmin(), ownRowsOnly("user_id")},
	}
}
