-- Create "disputes" table
CREATE TABLE "disputes" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "question_id" uuid NOT NULL, "client_id" uuid NOT NULL, "reason" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'OPEN', "refund" bigint NULL, "note" character varying NULL, "resolved_by" uuid NULL, "resolved_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "dispute_status_created_at" to table: "disputes"
CREATE INDEX "dispute_status_created_at" ON "disputes" ("status", "created_at");
-- Create index "disputes_question_id_key" to table: "disputes"
CREATE UNIQUE INDEX "disputes_question_id_key" ON "disputes" ("question_id");
-- Create "ratings" table
CREATE TABLE "ratings" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "question_id" uuid NOT NULL, "client_id" uuid NOT NULL, "expert_id" uuid NOT NULL, "stars" bigint NOT NULL, "comment" character varying NULL, PRIMARY KEY ("id"));
-- Create index "rating_expert_id" to table: "ratings"
CREATE INDEX "rating_expert_id" ON "ratings" ("expert_id");
-- Create index "ratings_question_id_key" to table: "ratings"
CREATE UNIQUE INDEX "ratings_question_id_key" ON "ratings" ("question_id");
-- Create "questions" table
CREATE TABLE "questions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "subject" character varying NOT NULL, "title" character varying NOT NULL, "body" character varying NOT NULL, "urgency" character varying NOT NULL, "deadline" timestamptz NOT NULL, "price" bigint NOT NULL, "status" character varying NOT NULL DEFAULT 'SUBMITTED', "revision_count" bigint NOT NULL DEFAULT 0, "delivered_at" timestamptz NULL, "closed_at" timestamptz NULL, "client_id" uuid NOT NULL, "expert_id" uuid NULL, PRIMARY KEY ("id"), CONSTRAINT "questions_users_client" FOREIGN KEY ("client_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "questions_users_expert" FOREIGN KEY ("expert_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "question_client_id_created_at" to table: "questions"
CREATE INDEX "question_client_id_created_at" ON "questions" ("client_id", "created_at");
-- Create index "question_expert_id_status" to table: "questions"
CREATE INDEX "question_expert_id_status" ON "questions" ("expert_id", "status");
-- Create index "question_status_subject_deadline" to table: "questions"
CREATE INDEX "question_status_subject_deadline" ON "questions" ("status", "subject", "deadline");
-- Create "answer_revisions" table
CREATE TABLE "answer_revisions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "kind" character varying NOT NULL, "body" character varying NOT NULL, "author_id" uuid NULL, "originality_score" double precision NULL, "originality_matches" jsonb NULL, "question_id" uuid NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "answer_revisions_questions_revisions" FOREIGN KEY ("question_id") REFERENCES "questions" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "answerrevision_question_id_created_at" to table: "answer_revisions"
CREATE INDEX "answerrevision_question_id_created_at" ON "answer_revisions" ("question_id", "created_at");
-- Create "assignments" table
CREATE TABLE "assignments" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "expert_id" uuid NOT NULL, "claimed_at" timestamptz NOT NULL, "lease_expires_at" timestamptz NOT NULL, "outcome" character varying NULL, "ended_at" timestamptz NULL, "reason" character varying NULL, "question_id" uuid NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "assignments_questions_assignments" FOREIGN KEY ("question_id") REFERENCES "questions" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "assignment_expert_id_outcome" to table: "assignments"
CREATE INDEX "assignment_expert_id_outcome" ON "assignments" ("expert_id", "outcome");
-- Create index "assignment_outcome_lease_expires_at" to table: "assignments"
CREATE INDEX "assignment_outcome_lease_expires_at" ON "assignments" ("outcome", "lease_expires_at");
-- Create index "assignment_question_id_claimed_at" to table: "assignments"
CREATE INDEX "assignment_question_id_claimed_at" ON "assignments" ("question_id", "claimed_at");
