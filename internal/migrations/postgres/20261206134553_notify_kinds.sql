-- Modify "assignments" table
ALTER TABLE "assignments" ADD COLUMN "lease_warned_at" timestamptz NULL;
-- Create "notification_preferences" table
CREATE TABLE "notification_preferences" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "user_id" uuid NOT NULL, "email" jsonb NULL, PRIMARY KEY ("id"));
-- Create index "notification_preferences_user_id_key" to table: "notification_preferences"
CREATE UNIQUE INDEX "notification_preferences_user_id_key" ON "notification_preferences" ("user_id");
