package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"backbone/ent/privacy"
)

// Rating is a client's verdict on an accepted answer.
type Rating struct{ ent.Schema }

// Mixin of the Rating.
func (Rating) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the Rating.
func (Rating) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("question_id", uuid.UUID{}).Unique().Immutable(),
		field.UUID("client_id", uuid.UUID{}).Immutable(),
		field.UUID("expert_id", uuid.UUID{}).Immutable(),
		field.Int("stars").Range(1, 5).Immutable(),
		field.String("comment").MaxLen(2000).Optional().Immutable(),
	}
}

// Indexes of the Rating: an expert's ratings, newest first or in a period.
func (Rating) Indexes() []ent.Index { return []ent.Index{index.Fields("expert_id", "created_at")} }

// Policy of the Rating: the rated expert reads theirs, admins all.
func (Rating) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{allowAdmin(), ownRowsOnly("expert_id")}}
}

// Annotations of the Rating: Relay pagination.
func (Rating) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
