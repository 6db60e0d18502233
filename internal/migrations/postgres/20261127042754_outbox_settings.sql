-- Create "outbox_messages" table
CREATE TABLE "outbox_messages" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "kind" character varying NOT NULL, "topic" character varying NOT NULL, "key" character varying NULL, "payload" bytea NULL, "attempts" bigint NOT NULL DEFAULT 0, "available_at" timestamptz NOT NULL, "claimed_until" timestamptz NULL, "delivered_at" timestamptz NULL, "last_error" character varying NULL, PRIMARY KEY ("id"));
-- Create index "outboxmessage_available_at" to table: "outbox_messages"
CREATE INDEX "outboxmessage_available_at" ON "outbox_messages" ("available_at") WHERE (delivered_at IS NULL);
-- Create index "outboxmessage_delivered_at" to table: "outbox_messages"
CREATE INDEX "outboxmessage_delivered_at" ON "outbox_messages" ("delivered_at");
-- Create index "outboxmessage_key" to table: "outbox_messages"
CREATE INDEX "outboxmessage_key" ON "outbox_messages" ("key");
-- Create "settings" table
CREATE TABLE "settings" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "key" character varying NOT NULL, "value" jsonb NOT NULL, "updated_by" uuid NULL, PRIMARY KEY ("id"));
-- Create index "settings_key_key" to table: "settings"
CREATE UNIQUE INDEX "settings_key_key" ON "settings" ("key");
