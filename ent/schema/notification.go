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

// Notification is a message to one user about something that happened (a question changed,
// a task became available, a payout was decided). Its UUIDv7 id orders notifications in
// time, which notificationAdded uses as a resume cursor.
type Notification struct{ ent.Schema }

// Mixin of the Notification.
func (Notification) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the Notification.
func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("user_id", uuid.UUID{}).Immutable(),
		// What happened, such as QUESTION_UPDATED or PAYOUT_DECIDED.
		field.String("kind").MaxLen(64).NotEmpty().Immutable(),
		field.JSON("payload", map[string]any{}).Optional().Immutable(),
		field.Time("read_at").Optional().Nillable(),
		// Identifies the event and the user: a redelivered event inserts nothing.
		field.String("dedup_key").MaxLen(200).NotEmpty().Immutable().Unique().
			Annotations(entgql.Skip()),
	}
}

// Indexes of the Notification: a user's notifications in id (time) order.
func (Notification) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "id")}
}

// Policy of the Notification: users read their own, admins all.
func (Notification) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowAdmin(), ownRowsOnly("user_id")},
	}
}

// Annotations of the Notification: Relay pagination helpers.
func (Notification) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
