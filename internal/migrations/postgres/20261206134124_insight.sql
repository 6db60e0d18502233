-- Create index "answerrevision_author_id_created_at" to table: "answer_revisions"
CREATE INDEX "answerrevision_author_id_created_at" ON "answer_revisions" ("author_id", "created_at");
-- Modify "disputes" table
ALTER TABLE "disputes" ADD COLUMN "expert_id" uuid NULL;
-- Modify "questions" table
ALTER TABLE "questions" ADD COLUMN "settings_version" bigint NULL, ADD COLUMN "auto_accept_seconds" bigint NULL, ADD COLUMN "revision_limit" bigint NULL, ADD COLUMN "lease_seconds" bigint NULL, ADD COLUMN "platform_fee_bps" bigint NULL, ADD COLUMN "auto_accept_at" timestamptz NULL;
-- Create index "question_created_at" to table: "questions"
CREATE INDEX "question_created_at" ON "questions" ("created_at");
-- Create index "question_status_auto_accept_at" to table: "questions"
CREATE INDEX "question_status_auto_accept_at" ON "questions" ("status", "auto_accept_at");
-- Drop index "rating_expert_id" from table: "ratings"
DROP INDEX "rating_expert_id";
-- Create index "rating_expert_id_created_at" to table: "ratings"
CREATE INDEX "rating_expert_id_created_at" ON "ratings" ("expert_id", "created_at");
-- Create "revision_requests" table
CREATE TABLE "revision_requests" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "question_id" uuid NOT NULL, "client_id" uuid NOT NULL, "expert_id" uuid NOT NULL, "note" character varying NULL, PRIMARY KEY ("id"));
-- Create index "revisionrequest_question_id_created_at" to table: "revision_requests"
CREATE INDEX "revisionrequest_question_id_created_at" ON "revision_requests" ("question_id", "created_at");
-- Create "settings_versions" table
CREATE TABLE "settings_versions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "version" bigint NOT NULL, "settings" jsonb NOT NULL, "changes" jsonb NOT NULL, "created_by" uuid NULL, PRIMARY KEY ("id"));
-- Create index "settings_versions_version_key" to table: "settings_versions"
CREATE UNIQUE INDEX "settings_versions_version_key" ON "settings_versions" ("version");
-- Backfill: a dispute's expert is its question's (a disputed answer is never reassigned).
UPDATE "disputes" SET "expert_id" = (SELECT "expert_id" FROM "questions" WHERE "questions"."id" = "disputes"."question_id");
-- Backfill: revision notes were kept as the reason of the claim a revision request opened
-- (a decline overwrote it, and an empty note left no trace: those are lost).
INSERT INTO "revision_requests" ("id", "created_at", "question_id", "client_id", "expert_id", "note") SELECT "a"."id", "a"."claimed_at", "a"."question_id", "q"."client_id", "a"."expert_id", "a"."reason" FROM "assignments" "a" JOIN "questions" "q" ON "q"."id" = "a"."question_id" WHERE "a"."reason" <> '' AND ("a"."outcome" IS NULL OR "a"."outcome" <> 'DECLINED');
