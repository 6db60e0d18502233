package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"

	"backbone/ent/privacy"
)

// NotificationPreference is what one user chose about their notifications: for each kind
// they chose, whether it also comes by email. A kind they never chose follows their
// role's default (internal/notify), so defaults may change without rewriting rows.
type NotificationPreference struct{ ent.Schema }

// Mixin of the NotificationPreference.
func (NotificationPreference) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the NotificationPreference.
func (NotificationPreference) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuid.UUID{}).Immutable().Unique(),
		// By notification kind: whether it comes by email.
		field.JSON("email", map[string]bool{}).Optional(),
	}
}

// Policy of the NotificationPreference: users read their own; the notify service reads
// and writes them for the consumer and the unsubscribe link.
func (NotificationPreference) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{ownRowsOnly("user_id")}}
}

// Annotations of the NotificationPreference: kept out of GraphQL (served through
// notificationPreferences).
func (NotificationPreference) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
