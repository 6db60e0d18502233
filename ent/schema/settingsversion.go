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

// SettingsVersion is one change of the marketplace's settings: its number (1, 2, ...),
// every setting's value after it, and what it changed. Questions record the version they
// were submitted under. Append-only.
type SettingsVersion struct{ ent.Schema }

// Mixin of the SettingsVersion.
func (SettingsVersion) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the SettingsVersion.
func (SettingsVersion) Fields() []ent.Field {
	return []ent.Field{
		field.Int("version").Positive().Unique().Immutable().
			Annotations(entgql.OrderField("VERSION")),
		// Every setting's stored form after the change, by key.
		field.JSON("settings", map[string]json.RawMessage{}).Immutable(),
		// The changed settings' values before and after: {"old": {...}, "new": {...}}.
		field.JSON("changes", map[string]map[string]json.RawMessage{}).Immutable(),
		// The admin who made the change; empty for the system.
		field.UUID("created_by", uuid.UUID{}).Optional().Nillable().Immutable(),
	}
}

// Policy of the SettingsVersion: admins read the history; package settings the rest.
func (SettingsVersion) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{allowAdmin(), systemOnly()}}
}

// Annotations of the SettingsVersion: Relay pagination (settingsHistory).
func (SettingsVersion) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
