package schema

import (
	"backbone/ent/privacy"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/schema"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// AuditLog is an append-only record of a sensitive action.
type AuditLog struct{ ent.Schema }

// Mixin of the AuditLog.
func (AuditLog) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the AuditLog. Every field is immutable: an audit row is never edited.
func (AuditLog) Fields() []ent.Field {
	return []ent.Field{
		// Empty for the system or an anonymous caller (a failed login, say).
		field.UUID("actor_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		field.String("action").MaxLen(100).NotEmpty().Immutable(),
		field.String("target_type").MaxLen(50).Optional().Immutable(),
		field.String("target_id").MaxLen(100).Optional().Immutable(),
		field.JSON("metadata", map[string]any{}).Optional().Immutable(),
		field.String("ip").MaxLen(64).Optional().Immutable(),
		field.String("user_agent").MaxLen(512).Optional().Immutable(),
	}
}

// Edges of the AuditLog.
func (AuditLog) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("actor", User.Type).Ref("audit_logs").Field("actor_id").Unique().Immutable(),
	}
}

// Indexes of the AuditLog.
func (AuditLog) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("actor_id", "created_at"),
		index.Fields("action", "created_at"),
		index.Fields("created_at"),
	}
}

// Policy of the AuditLog: who may read its rows.
func (AuditLog) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowAdmin(), systemOnly()},
	}
}

// Annotations of the AuditLog: Relay pagination helpers for its connection.
func (AuditLog) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
