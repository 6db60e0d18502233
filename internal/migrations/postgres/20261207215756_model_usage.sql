-- Create "model_usages" table
CREATE TABLE "model_usages" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "question_id" uuid NOT NULL, "stage" character varying NOT NULL, "model" character varying NOT NULL, "prompt_tokens" bigint NOT NULL, "completion_tokens" bigint NOT NULL, PRIMARY KEY ("id"));
-- Create index "modelusage_created_at" to table: "model_usages"
CREATE INDEX "modelusage_created_at" ON "model_usages" ("created_at");
-- What the stages recorded so far is the spending until now (a stage's row kept only its last attempt).
INSERT INTO "model_usages" ("id", "created_at", "question_id", "stage", "model", "prompt_tokens", "completion_tokens")
SELECT "id", "finished_at", "question_id", "stage", COALESCE("model", ''), "prompt_tokens", "completion_tokens" FROM "pipeline_stages"
WHERE "finished_at" IS NOT NULL AND ("prompt_tokens" > 0 OR "completion_tokens" > 0);
