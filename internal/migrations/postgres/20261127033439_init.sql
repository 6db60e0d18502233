-- Create "users" table
CREATE TABLE "users" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "email" character varying NOT NULL, "password_hash" character varying NOT NULL, "display_name" character varying NOT NULL, "role" character varying NOT NULL DEFAULT 'CLIENT', "status" character varying NOT NULL DEFAULT 'ACTIVE', PRIMARY KEY ("id"));
-- Create index "user_email" to table: "users"
CREATE UNIQUE INDEX "user_email" ON "users" ("email");
-- Create index "user_role_status" to table: "users"
CREATE INDEX "user_role_status" ON "users" ("role", "status");
-- Create "audit_logs" table
CREATE TABLE "audit_logs" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "action" character varying NOT NULL, "target_type" character varying NULL, "target_id" character varying NULL, "metadata" jsonb NULL, "ip" character varying NULL, "user_agent" character varying NULL, "actor_id" uuid NULL, PRIMARY KEY ("id"), CONSTRAINT "audit_logs_users_audit_logs" FOREIGN KEY ("actor_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "auditlog_action_created_at" to table: "audit_logs"
CREATE INDEX "auditlog_action_created_at" ON "audit_logs" ("action", "created_at");
-- Create index "auditlog_actor_id_created_at" to table: "audit_logs"
CREATE INDEX "auditlog_actor_id_created_at" ON "audit_logs" ("actor_id", "created_at");
-- Create index "auditlog_created_at" to table: "audit_logs"
CREATE INDEX "auditlog_created_at" ON "audit_logs" ("created_at");
