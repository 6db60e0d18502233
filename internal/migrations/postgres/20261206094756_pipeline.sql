-- Modify "answer_revisions" table
ALTER TABLE "answer_revisions" ADD COLUMN "based_on_id" uuid NULL, ADD COLUMN "change_ratio" double precision NULL, ADD COLUMN "model" character varying NULL, ADD COLUMN "prompt_version" character varying NULL;
-- Modify "questions" table
ALTER TABLE "questions" ADD COLUMN "pipeline_status" character varying NULL, ADD COLUMN "pipeline_reason" character varying NULL, ADD COLUMN "ai_assisted" boolean NOT NULL DEFAULT false;
-- Create "pipeline_stages" table
CREATE TABLE "pipeline_stages" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "stage" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'PENDING', "attempts" bigint NOT NULL DEFAULT 0, "started_at" timestamptz NULL, "finished_at" timestamptz NULL, "model" character varying NULL, "prompt_version" character varying NULL, "prompt_tokens" bigint NOT NULL DEFAULT 0, "completion_tokens" bigint NOT NULL DEFAULT 0, "provider_ms" bigint NOT NULL DEFAULT 0, "error" text NULL, "question_id" uuid NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "pipeline_stages_questions_pipeline_stages" FOREIGN KEY ("question_id") REFERENCES "questions" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "pipelinestage_finished_at" to table: "pipeline_stages"
CREATE INDEX "pipelinestage_finished_at" ON "pipeline_stages" ("finished_at");
-- Create index "pipelinestage_question_id_stage" to table: "pipeline_stages"
CREATE UNIQUE INDEX "pipelinestage_question_id_stage" ON "pipeline_stages" ("question_id", "stage");
