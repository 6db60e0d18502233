-- Create "analytics_days" table
CREATE TABLE "analytics_days" ("id" uuid NOT NULL, "day" timestamptz NOT NULL, "subject" character varying NOT NULL, "submitted" bigint NOT NULL DEFAULT 0, "accepted" bigint NOT NULL DEFAULT 0, "cancelled" bigint NOT NULL DEFAULT 0, "declined" bigint NOT NULL DEFAULT 0, "expired" bigint NOT NULL DEFAULT 0, "disputed" bigint NOT NULL DEFAULT 0, "breaches" bigint NOT NULL DEFAULT 0, "captured" bigint NOT NULL DEFAULT 0, "fees" bigint NOT NULL DEFAULT 0, "refunded" bigint NOT NULL DEFAULT 0, "payouts" bigint NOT NULL DEFAULT 0, PRIMARY KEY ("id"));
-- Create index "analyticsday_subject_day" to table: "analytics_days"
CREATE UNIQUE INDEX "analyticsday_subject_day" ON "analytics_days" ("subject", "day");
-- Create "analytics_durations" table
CREATE TABLE "analytics_durations" ("id" uuid NOT NULL, "day" timestamptz NOT NULL, "subject" character varying NOT NULL, "kind" character varying NOT NULL, "counts" bytea NOT NULL, PRIMARY KEY ("id"));
-- Create index "analyticsduration_subject_kind_day" to table: "analytics_durations"
CREATE UNIQUE INDEX "analyticsduration_subject_kind_day" ON "analytics_durations" ("subject", "kind", "day");
-- Create "analytics_expert_days" table
CREATE TABLE "analytics_expert_days" ("id" uuid NOT NULL, "day" timestamptz NOT NULL, "expert_id" uuid NOT NULL, "delivered" bigint NOT NULL DEFAULT 0, "on_time" bigint NOT NULL DEFAULT 0, "accepted" bigint NOT NULL DEFAULT 0, "ratings" bigint NOT NULL DEFAULT 0, "stars" bigint NOT NULL DEFAULT 0, PRIMARY KEY ("id"));
-- Create index "analyticsexpertday_day_expert_id" to table: "analytics_expert_days"
CREATE UNIQUE INDEX "analyticsexpertday_day_expert_id" ON "analytics_expert_days" ("day", "expert_id");
-- Create "analytics_expert_months" table
CREATE TABLE "analytics_expert_months" ("id" uuid NOT NULL, "month" timestamptz NOT NULL, "expert_id" uuid NOT NULL, "delivered" bigint NOT NULL DEFAULT 0, "on_time" bigint NOT NULL DEFAULT 0, "accepted" bigint NOT NULL DEFAULT 0, "ratings" bigint NOT NULL DEFAULT 0, "stars" bigint NOT NULL DEFAULT 0, PRIMARY KEY ("id"));
-- Create index "analyticsexpertmonth_month_expert_id" to table: "analytics_expert_months"
CREATE UNIQUE INDEX "analyticsexpertmonth_month_expert_id" ON "analytics_expert_months" ("month", "expert_id");
-- Create "analytics_ledger_entries" table
CREATE TABLE "analytics_ledger_entries" ("id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create "analytics_questions" table
CREATE TABLE "analytics_questions" ("id" uuid NOT NULL, "version" bigint NOT NULL DEFAULT 0, "subject" character varying NOT NULL, "submitted_at" timestamptz NOT NULL, "deadline" timestamptz NOT NULL, "first_claim_at" timestamptz NULL, "first_delivery_at" timestamptz NULL, "delivered_by" uuid NULL, "outcome" character varying NULL, "closed_at" timestamptz NULL, "accepted_by" uuid NULL, "disputed_at" timestamptz NULL, "rated_at" timestamptz NULL, "stars" bigint NOT NULL DEFAULT 0, "rated_expert" uuid NULL, PRIMARY KEY ("id"));
