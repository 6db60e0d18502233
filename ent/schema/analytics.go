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

// The analytics rollups (package internal/analytics): daily figures kept up to date by a
// consumer of the lifecycle and ledger events, and rebuilt from the base tables by
// `backbone rollups rebuild`. Admin analytics read only these tables. Days are UTC
// midnights; Subject "" is the row of every subject together.

// AnalyticsDay is one day's figures of one subject (or of all, Subject "").
type AnalyticsDay struct{ ent.Schema }

// Mixin of the AnalyticsDay.
func (AnalyticsDay) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }

// Fields of the AnalyticsDay.
func (AnalyticsDay) Fields() []ent.Field {
	return []ent.Field{
		field.Time("day"),
		field.String("subject").MaxLen(50),
		// Questions submitted; closed as accepted, cancelled, declined, expired; disputed.
		field.Int64("submitted").Default(0),
		field.Int64("accepted").Default(0),
		field.Int64("cancelled").Default(0),
		field.Int64("declined").Default(0),
		field.Int64("expired").Default(0),
		field.Int64("disputed").Default(0),
		// Deadline breaches: first deliveries at or after the deadline, and expiries.
		field.Int64("breaches").Default(0),
		// Credits captured from escrow, of which platform fees; refunded to clients;
		// paid out to experts (approved payouts, Subject "" only).
		field.Int64("captured").Default(0),
		field.Int64("fees").Default(0),
		field.Int64("refunded").Default(0),
		field.Int64("payouts").Default(0),
	}
}

// Indexes of the AnalyticsDay: a range of days of one subject is one index range.
func (AnalyticsDay) Indexes() []ent.Index {
	return []ent.Index{index.Fields("subject", "day").Unique()}
}

// AnalyticsDuration is a histogram of durations, since medians cannot be summed: of the
// questions of one subject (or of all, Subject "") that had on that day their first claim
// (CLAIM: time from submission to first claim) or first delivery (DELIVER: time from first
// claim to first delivery), how many fell in each bucket. Buckets grow geometrically by 5%
// (see analytics.BucketOf), so a median read from them is within 2.5% of the exact one.
// Counts holds the non-empty buckets as pairs of unsigned varints (bucket, count): a
// day's histogram is one row, so a year's medians read 730 rows.
type AnalyticsDuration struct{ ent.Schema }

// Mixin of the AnalyticsDuration.
func (AnalyticsDuration) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }

// Fields of the AnalyticsDuration.
func (AnalyticsDuration) Fields() []ent.Field {
	return []ent.Field{
		field.Time("day"),
		field.String("subject").MaxLen(50),
		field.Enum("kind").Values("CLAIM", "DELIVER"),
		field.Bytes("counts"),
	}
}

// Indexes of the AnalyticsDuration.
func (AnalyticsDuration) Indexes() []ent.Index {
	return []ent.Index{index.Fields("subject", "kind", "day").Unique()}
}

// AnalyticsExpertDay is one expert's figures of one day, for the leaderboard.
type AnalyticsExpertDay struct{ ent.Schema }

// Mixin of the AnalyticsExpertDay.
func (AnalyticsExpertDay) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }

// Fields of the AnalyticsExpertDay.
func (AnalyticsExpertDay) Fields() []ent.Field {
	return []ent.Field{
		field.Time("day"),
		field.UUID("expert_id", uuid.UUID{}),
		// First deliveries by the expert, of which before the deadline.
		field.Int64("delivered").Default(0),
		field.Int64("on_time").Default(0),
		// Answers accepted; ratings received and their stars' total.
		field.Int64("accepted").Default(0),
		field.Int64("ratings").Default(0),
		field.Int64("stars").Default(0),
	}
}

// Indexes of the AnalyticsExpertDay.
func (AnalyticsExpertDay) Indexes() []ent.Index {
	return []ent.Index{index.Fields("day", "expert_id").Unique()}
}

// AnalyticsExpertMonth is AnalyticsExpertDay summed over a calendar month (Month: its
// first day), so that a leaderboard over a year reads twelve months and the days at its
// two ends rather than every day.
type AnalyticsExpertMonth struct{ ent.Schema }

// Mixin of the AnalyticsExpertMonth.
func (AnalyticsExpertMonth) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{}} }

// Fields of the AnalyticsExpertMonth.
func (AnalyticsExpertMonth) Fields() []ent.Field {
	return []ent.Field{
		field.Time("month"),
		field.UUID("expert_id", uuid.UUID{}),
		field.Int64("delivered").Default(0),
		field.Int64("on_time").Default(0),
		field.Int64("accepted").Default(0),
		field.Int64("ratings").Default(0),
		field.Int64("stars").Default(0),
	}
}

// Indexes of the AnalyticsExpertMonth.
func (AnalyticsExpertMonth) Indexes() []ent.Index {
	return []ent.Index{index.Fields("month", "expert_id").Unique()}
}

// AnalyticsQuestion is what one question has contributed to the rollups so far (the
// rollup side's copy of the base facts, per-question durations included): the consumer
// reads the question's facts again on each of its events, and applies to the rollups the
// difference from this row, so that a redelivered or late event changes nothing. Version
// guards against two consumers updating one question at once.
type AnalyticsQuestion struct{ ent.Schema }

// Fields of the AnalyticsQuestion.
func (AnalyticsQuestion) Fields() []ent.Field {
	return []ent.Field{
		// id is the question's.
		field.UUID("id", uuid.UUID{}).Immutable(),
		field.Int("version").Default(0),
		field.String("subject").MaxLen(50),
		field.Time("submitted_at"),
		field.Time("deadline"),
		field.Time("first_claim_at").Optional().Nillable(),
		field.Time("first_delivery_at").Optional().Nillable(),
		field.UUID("delivered_by", uuid.UUID{}).Optional().Nillable(),
		// The final status when it is one the rollups count (ACCEPTED, CANCELLED, DECLINED,
		// EXPIRED), and when it was reached.
		field.String("outcome").MaxLen(20).Optional(),
		field.Time("closed_at").Optional().Nillable(),
		field.UUID("accepted_by", uuid.UUID{}).Optional().Nillable(),
		field.Time("disputed_at").Optional().Nillable(),
		field.Time("rated_at").Optional().Nillable(),
		field.Int("stars").Default(0),
		field.UUID("rated_expert", uuid.UUID{}).Optional().Nillable(),
	}
}

// AnalyticsLedgerEntry records that a ledger transaction was counted in the rollups
// (id: the transaction's), so that a redelivered ledger.posted event counts once.
type AnalyticsLedgerEntry struct{ ent.Schema }

// Fields of the AnalyticsLedgerEntry.
func (AnalyticsLedgerEntry) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Immutable(),
	}
}

// Policy of the rollup tables: read by the analytics service only, with a system
// context; admins reach them through its authorized reads.
func (AnalyticsDay) Policy() ent.Policy         { return systemPolicy() }
func (AnalyticsDuration) Policy() ent.Policy    { return systemPolicy() }
func (AnalyticsExpertDay) Policy() ent.Policy   { return systemPolicy() }
func (AnalyticsExpertMonth) Policy() ent.Policy { return systemPolicy() }
func (AnalyticsQuestion) Policy() ent.Policy    { return systemPolicy() }
func (AnalyticsLedgerEntry) Policy() ent.Policy { return systemPolicy() }

func systemPolicy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{systemOnly()}}
}

// Annotations of the rollup tables: kept out of GraphQL.
func (AnalyticsDay) Annotations() []schema.Annotation      { return []schema.Annotation{entgql.Skip()} }
func (AnalyticsDuration) Annotations() []schema.Annotation { return []schema.Annotation{entgql.Skip()} }
func (AnalyticsExpertDay) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
func (AnalyticsExpertMonth) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
func (AnalyticsQuestion) Annotations() []schema.Annotation { return []schema.Annotation{entgql.Skip()} }
func (AnalyticsLedgerEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}
