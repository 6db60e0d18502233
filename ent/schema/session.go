package schema

import (
	"backbone/ent/privacy"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// Session is a refresh-token family: one sign-in on one device. Its refresh tokens rotate
// on every use; presenting a rotated one again revokes the whole family.
type Session struct{ ent.Schema }

// Mixin of the Session.
func (Session) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the Session.
func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuid.UUID{}).Immutable(),
		// The family ends here whatever the rotations: a stolen refresh token cannot live forever.
		field.Time("expires_at").Immutable(),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
		field.String("revoke_reason").MaxLen(50).Optional(),
		field.String("ip").MaxLen(64).Optional().Immutable(),
		field.String("user_agent").MaxLen(512).Optional().Immutable(),
	}
}

// Edges of the Session.
func (Session) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("sessions").Field("user_id").Unique().Required().Immutable(),
		edge.To("refresh_tokens", RefreshToken.Type),
	}
}

// Indexes of the Session.
func (Session) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "revoked_at"),
		index.Fields("revoked_at"),
	}
}

// Policy of the Session: who may read its rows.
func (Session) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{systemOnly()},
	}
}
