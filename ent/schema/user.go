package schema

import (
	"backbone/ent/privacy"
	"errors"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/schema"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a person using the platform: a client, an expert or an admin.
type User struct{ ent.Schema }

// Mixin of the User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}, TimeMixin{}} }

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		// Stored normalised (trimmed, lower case) so that the unique index holds regardless of case.
		field.String("email").MaxLen(254).NotEmpty().Validate(lowerCase).
			Annotations(entgql.OrderField("EMAIL")),
		field.String("password_hash").Sensitive(),
		field.String("display_name").MaxLen(100).NotEmpty(),
		field.Enum("role").Values("CLIENT", "EXPERT", "ADMIN").Default("CLIENT"),
		field.Enum("status").Values("ACTIVE", "SUSPENDED").Default("ACTIVE"),
		// Expert application: set when someone applies as an expert; an admin decides.
		field.Enum("expert_status").Values("PENDING", "APPROVED", "REJECTED").Optional().Nillable(),
		field.Strings("expert_subjects").Optional(),
		field.String("expert_bio").MaxLen(2000).Optional(),
		// Set once the user opened the link of a verification email (or a password reset
		// link, which proves the same); unverified clients may not spend money.
		field.Bool("email_verified").Default(false),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("audit_logs", AuditLog.Type).Annotations(entgql.Skip()),
		edge.To("sessions", Session.Type).Annotations(entgql.Skip()),
		edge.To("api_keys", APIKey.Type).Annotations(entgql.Skip()),
		edge.From("questions", Question.Type).Ref("client").Annotations(entgql.Skip()),
		edge.From("expert_questions", Question.Type).Ref("expert").Annotations(entgql.Skip()),
	}
}

// Indexes of the User.
func (User) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("email").Unique(),
		index.Fields("role", "status"),
	}
}

func lowerCase(s string) error {
	if s != strings.ToLower(strings.TrimSpace(s)) {
		return errors.New("email must be stored trimmed and in lower case")
	}
	return nil
}

// Policy of the User: who may read its rows.
func (User) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowAdmin(), ownRowsOnly("id")},
	}
}

// Annotations of the User: Relay pagination helpers for its connection.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
