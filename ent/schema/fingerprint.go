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

// Fingerprint is one winnowed hash of a delivered expert answer's text (package
// originality): the inverted index through which an originality check finds the earlier
// answers that share text with a new one. AI versions are not indexed. It is derived data, written once per revision and never
// shown to anyone.
type Fingerprint struct{ ent.Schema }

// Fields of the Fingerprint. The id is ent's default auto-increment integer rather than a
// UUID: there are about a hundred rows per answer, so every byte per row counts. The ids
// are plain columns, not edges: a foreign-key check per row would slow the bulk writes of
// a table that only ever grows with its revisions.
func (Fingerprint) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("hash").Immutable(),
		field.UUID("question_id", uuid.UUID{}).Immutable(),
		field.UUID("revision_id", uuid.UUID{}).Immutable(),
	}
}

// Indexes of the Fingerprint.
func (Fingerprint) Indexes() []ent.Index {
	return []ent.Index{
		// The check's lookup: every column it reads is in the index, so PostgreSQL answers
		// it from the index alone.
		index.Fields("hash", "question_id", "revision_id"),
		// A revision's fingerprints are stored once: a redelivered job adds nothing.
		index.Fields("revision_id", "hash").Unique(),
	}
}

// Policy of the Fingerprint: only package originality reads it.
func (Fingerprint) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{allowAdmin(), systemOnly()}}
}

// Annotations of the Fingerprint: kept out of GraphQL.
func (Fingerprint) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
