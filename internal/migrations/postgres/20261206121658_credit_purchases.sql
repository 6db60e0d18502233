-- Create "credit_purchases" table
CREATE TABLE "credit_purchases" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "idempotency_key" character varying NOT NULL, "credits" bigint NOT NULL, "pack_id" character varying NULL, "amount" bigint NOT NULL DEFAULT 0, "currency" character varying NULL, "status" character varying NOT NULL DEFAULT 'PENDING', "provider" character varying NOT NULL, "provider_ref" character varying NULL, "payment_ref" character varying NULL, "checkout_url" text NULL, "transaction_id" uuid NULL, "completed_at" timestamptz NULL, "refunded_credits" bigint NOT NULL DEFAULT 0, "flagged" boolean NOT NULL DEFAULT false, "flag_reason" character varying NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "credit_purchases_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "creditpurchase_flagged_created_at" to table: "credit_purchases"
CREATE INDEX "creditpurchase_flagged_created_at" ON "credit_purchases" ("flagged", "created_at");
-- Create index "creditpurchase_provider_payment_ref" to table: "credit_purchases"
CREATE INDEX "creditpurchase_provider_payment_ref" ON "credit_purchases" ("provider", "payment_ref");
-- Create index "creditpurchase_user_id_created_at" to table: "credit_purchases"
CREATE INDEX "creditpurchase_user_id_created_at" ON "credit_purchases" ("user_id", "created_at");
-- Create index "creditpurchase_user_id_idempotency_key" to table: "credit_purchases"
CREATE UNIQUE INDEX "creditpurchase_user_id_idempotency_key" ON "credit_purchases" ("user_id", "idempotency_key");
