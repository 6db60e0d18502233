package schema

import (
	"entgo.io/ent"
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

// Indexes of the Rating.
func (Rating) Indexes() []ent.Index { return []ent.Index{index.Fields("expert_id")} }

// Policy of the Rating: read through services.
func (Rating) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{allowAdmin(), systemOnly()}}
}
