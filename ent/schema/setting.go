package schema

import (
	"encoding/json"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"

	"backbone/ent/privacy"
)

// Setting is one marketplace setting that an admin changed: a key (such as
// "platformFeeBps") and its JSON value. A key without a row takes the default of
// package settings, so a new setting needs no migration and an untouched one follows the
// code's default; one row per key also keeps two admins' changes to different settings
// from overwriting each other.
type Setting struct{ ent.Schema }

// Mixin of the Setting.
func (Setting) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the Setting.
func (Setting) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").MaxLen(100).NotEmpty().Unique().Immutable(),
		field.JSON("value", json.RawMessage{}),
		// The admin who last changed it; empty when changed by the system.
		field.UUID("updated_by", uuid.UUID{}).Optional().Nillable(),
	}
}

// Policy of the Setting: read only through package settings.
func (Setting) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{systemOnly()},
	}
}

// Annotations of the Setting: kept out of GraphQL (package settings types the values).
func (Setting) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
