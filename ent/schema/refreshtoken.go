package schema

import (
	"backbone/ent/privacy"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"
)

// RefreshToken is one opaque refresh token of a session, stored only as a hash.
type RefreshToken struct{ ent.Schema }

// Mixin of the RefreshToken.
func (RefreshToken) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the RefreshToken.
func (RefreshToken) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("session_id", uuid.UUID{}).Immutable(),
		field.Bytes("token_hash").Unique().Immutable().Sensitive(),
		field.Time("expires_at").Immutable(),
		// Set when the token is exchanged; a second exchange is reuse.
		field.Time("used_at").Optional().Nillable(),
	}
}

// Edges of the RefreshToken.
func (RefreshToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("session", Session.Type).Ref("refresh_tokens").Field("session_id").Unique().Required().Immutable(),
	}
}

// Policy of the RefreshToken: who may read its rows.
func (RefreshToken) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{systemOnly()},
	}
}
