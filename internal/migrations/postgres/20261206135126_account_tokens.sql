-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "email_verified" boolean NOT NULL DEFAULT false;
-- Create "account_tokens" table
CREATE TABLE "account_tokens" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "user_id" uuid NOT NULL, "purpose" character varying NOT NULL, "token_hash" bytea NOT NULL, "expires_at" timestamptz NOT NULL, "used_at" timestamptz NULL, "request_id" character varying NULL, PRIMARY KEY ("id"));
-- Create index "account_tokens_request_id_key" to table: "account_tokens"
CREATE UNIQUE INDEX "account_tokens_request_id_key" ON "account_tokens" ("request_id");
-- Create index "account_tokens_token_hash_key" to table: "account_tokens"
CREATE UNIQUE INDEX "account_tokens_token_hash_key" ON "account_tokens" ("token_hash");
-- Create index "accounttoken_user_id_purpose" to table: "account_tokens"
CREATE INDEX "accounttoken_user_id_purpose" ON "account_tokens" ("user_id", "purpose");
