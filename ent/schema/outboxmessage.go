package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"backbone/ent/privacy"
)

// OutboxMessage is a job or an event written in the same transaction as the change that
// causes it, and published by package outbox's relay after commit. A row is delivered
// at least once: it stays until a relay has published it and marked it delivered.
type OutboxMessage struct{ ent.Schema }

// Mixin of the OutboxMessage.
func (OutboxMessage) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the OutboxMessage.
func (OutboxMessage) Fields() []ent.Field {
	return []ent.Field{
		// JOB goes to the queue (message id = row id), EVENT to the bus.
		field.Enum("kind").Values("JOB", "EVENT").Immutable(),
		field.String("topic").MaxLen(200).NotEmpty().Immutable(),
		// What the message is about, such as a question id: for logs and inspection.
		field.String("key").MaxLen(200).Optional().Immutable(),
		field.Bytes("payload").Optional().Immutable(),
		// The W3C trace context (traceparent, tracestate) of the change that wrote the row,
		// which the published job continues; empty when it was not traced.
		field.JSON("trace_context", map[string]string{}).Optional().Immutable(),
		// Failed publish attempts so far.
		field.Int("attempts").Default(0),
		// When the row is next due: now at first, later after a failed attempt.
		field.Time("available_at").Default(now),
		// A relay that claimed the row holds it until then; if it dies, the row is due again.
		field.Time("claimed_until").Optional().Nillable(),
		field.Time("delivered_at").Optional().Nillable(),
		field.String("last_error").MaxLen(1000).Optional(),
	}
}

// Indexes of the OutboxMessage: the relay's scan of due rows, and the pruning of old ones.
func (OutboxMessage) Indexes() []ent.Index {
	return []ent.Index{
		// Partial: the undelivered rows are few, the delivered ones many until pruned.
		index.Fields("available_at").Annotations(entsql.IndexWhere("delivered_at IS NULL")),
		index.Fields("delivered_at"),
		index.Fields("key"),
	}
}

// Policy of the OutboxMessage: read only by the relay.
func (OutboxMessage) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{systemOnly()},
	}
}

// Annotations of the OutboxMessage: kept out of GraphQL.
func (OutboxMessage) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
