package schema

import (
	"encoding/json"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"backbone/ent/privacy"
)

// IdempotencyKey records that a money operation ran for a caller's key: a hash of its
// input and its result. The unique (scope, key) index is what makes a concurrent
// duplicate lose: it waits for the first, then finds its row.
type IdempotencyKey struct{ ent.Schema }

// Mixin of the IdempotencyKey.
func (IdempotencyKey) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, CreateTimeMixin{}} }

// Fields of the IdempotencyKey.
func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		// Whose keys these are, such as "user:<id>" or "question:<id>".
		field.String("scope").MaxLen(100).NotEmpty().Immutable(),
		field.String("key").MaxLen(200).NotEmpty().Immutable(),
		field.String("operation").MaxLen(50).NotEmpty().Immutable(),
		// Hex SHA-256 of the operation and its input.
		field.String("request_hash").MaxLen(64).NotEmpty().Immutable(),
		field.JSON("result", json.RawMessage{}).Optional(),
	}
}

// Indexes of the IdempotencyKey.
func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("scope", "key").Unique(),
		index.Fields("created_at"),
	}
}

// Policy of the IdempotencyKey: only the wallet service reads it.
func (IdempotencyKey) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{systemOnly()},
	}
}

// Annotations of the IdempotencyKey: kept out of GraphQL.
func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
