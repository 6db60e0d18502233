package schema

import (
	"backbone/ent/privacy"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// APIKey lets a service integration act for its owner within its scopes. Only a hash of
// the secret is stored; the prefix is visible so that a key can be recognised.
type APIKey struct{ ent.Schema }

// Mixin of the APIKey.
func (APIKey) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the APIKey.
func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("owner_id", uuid.UUID{}).Immutable(),
		field.String("name").MaxLen(100).NotEmpty(),
		field.String("prefix").MaxLen(32).NotEmpty().Unique().Immutable(),
		field.Bytes("secret_hash").Immutable().Sensitive(),
		field.Strings("scopes").Default([]string{}),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("expires_at").Optional().Nillable().Immutable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Edges of the APIKey.
func (APIKey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("api_keys").Field("owner_id").Unique().Required().Immutable(),
	}
}

// Indexes of the APIKey.
func (APIKey) Indexes() []ent.Index {
	return []ent.Index{index.Fields("owner_id", "revoked_at")}
}

// Policy of the APIKey: who may read its rows.
func (APIKey) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowAdmin(), ownRowsOnly("owner_id")},
	}
}
