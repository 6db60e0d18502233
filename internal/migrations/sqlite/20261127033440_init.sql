-- Create "audit_logs" table
CREATE TABLE `audit_logs` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `action` text NOT NULL, `target_type` text NULL, `target_id` text NULL, `metadata` json NULL, `ip` text NULL, `user_agent` text NULL, `actor_id` uuid NULL, PRIMARY KEY (`id`), CONSTRAINT `audit_logs_users_audit_logs` FOREIGN KEY (`actor_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "auditlog_actor_id_created_at" to table: "audit_logs"
CREATE INDEX `auditlog_actor_id_created_at` ON `audit_logs` (`actor_id`, `created_at`);
-- Create index "auditlog_action_created_at" to table: "audit_logs"
CREATE INDEX `auditlog_action_created_at` ON `audit_logs` (`action`, `created_at`);
-- Create index "auditlog_created_at" to table: "audit_logs"
CREATE INDEX `auditlog_created_at` ON `audit_logs` (`created_at`);
-- Create "users" table
CREATE TABLE `users` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `email` text NOT NULL, `password_hash` text NOT NULL, `display_name` text NOT NULL, `role` text NOT NULL DEFAULT ('CLIENT'), `status` text NOT NULL DEFAULT ('ACTIVE'), PRIMARY KEY (`id`));
-- Create index "user_email" to table: "users"
CREATE UNIQUE INDEX `user_email` ON `users` (`email`);
-- Create index "user_role_status" to table: "users"
CREATE INDEX `user_role_status` ON `users` (`role`, `status`);
