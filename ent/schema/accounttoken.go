package schema

import (
	"backbone/ent/privacy"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// AccountToken is a single-use secret emailed to a user: a password reset link or an
// email verification link. Only its SHA-256 is stored.
type AccountToken struct{ ent.Schema }

// Mixin of the AccountToken.
func (AccountToken) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the AccountToken.
func (AccountToken) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuid.UUID{}).Immutable(),
		field.Enum("purpose").Values("PASSWORD_RESET", "EMAIL_VERIFICATION").Immutable(),
		field.Bytes("token_hash").Unique().Immutable().Sensitive(),
		field.Time("expires_at").Immutable(),
		// Set when the link is used, or when a newer link or a reset makes it void.
		field.Time("used_at").Optional().Nillable(),
		// The job that made the token, so that a redelivered job makes no second one.
		field.String("request_id").MaxLen(200).Optional().Nillable().Unique().Immutable(),
	}
}

// Indexes of the AccountToken.
func (AccountToken) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "purpose")}
}

// Policy of the AccountToken: no viewer reads these rows; the auth service does.
func (AccountToken) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{systemOnly()},
	}
}
