-- Create "notifications" table
CREATE TABLE "notifications" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "user_id" uuid NOT NULL, "kind" character varying NOT NULL, "payload" jsonb NULL, "read_at" timestamptz NULL, "dedup_key" character varying NOT NULL, PRIMARY KEY ("id"));
-- Create index "notification_user_id_id" to table: "notifications"
CREATE INDEX "notification_user_id_id" ON "notifications" ("user_id", "id");
-- Create index "notifications_dedup_key_key" to table: "notifications"
CREATE UNIQUE INDEX "notifications_dedup_key_key" ON "notifications" ("dedup_key");
