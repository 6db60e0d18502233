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

// SubjectRequest is an approved expert's request to answer more subjects, and an admin's
// decision on it.
type SubjectRequest struct{ ent.Schema }

// Mixin of the SubjectRequest.
func (SubjectRequest) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the SubjectRequest.
func (SubjectRequest) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("expert_id", uuid.UUID{}).Immutable(),
		// In the settings' spelling.
		field.Strings("subjects").Immutable(),
		field.Enum("status").Values("PENDING", "APPROVED", "REJECTED").Default("PENDING"),
		// The admin's note, such as why the request was rejected.
		field.String("note").MaxLen(500).Optional(),
		field.UUID("decided_by", uuid.UUID{}).Optional().Nillable(),
		field.Time("decided_at").Optional().Nillable(),
	}
}

// Edges of the SubjectRequest.
func (SubjectRequest) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("expert", User.Type).Field("expert_id").Unique().Required().Immutable().
			Annotations(entgql.Skip()),
	}
}

// Indexes of the SubjectRequest.
func (SubjectRequest) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("expert_id", "created_at"),
		index.Fields("status", "created_at"),
	}
}

// Policy of the SubjectRequest: experts read their own requests, admins all.
func (SubjectRequest) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowAdmin(), ownRowsOnly("expert_id")},
	}
}

// Annotations of the SubjectRequest: Relay pagination helpers.
func (SubjectRequest) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
