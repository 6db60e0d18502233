-- Add column "expert_status" to table: "users"
ALTER TABLE `users` ADD COLUMN `expert_status` text NULL;
-- Add column "expert_subjects" to table: "users"
ALTER TABLE `users` ADD COLUMN `expert_subjects` json NULL;
-- Add column "expert_bio" to table: "users"
ALTER TABLE `users` ADD COLUMN `expert_bio` text NULL;
-- Create "api_keys" table
CREATE TABLE `api_keys` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `prefix` text NOT NULL, `secret_hash` blob NOT NULL, `scopes` json NOT NULL, `last_used_at` datetime NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, `owner_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `api_keys_users_api_keys` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "api_keys_prefix_key" to table: "api_keys"
CREATE UNIQUE INDEX `api_keys_prefix_key` ON `api_keys` (`prefix`);
-- Create index "apikey_owner_id_revoked_at" to table: "api_keys"
CREATE INDEX `apikey_owner_id_revoked_at` ON `api_keys` (`owner_id`, `revoked_at`);
-- Create "refresh_tokens" table
CREATE TABLE `refresh_tokens` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `token_hash` blob NOT NULL, `expires_at` datetime NOT NULL, `used_at` datetime NULL, `session_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `refresh_tokens_sessions_refresh_tokens` FOREIGN KEY (`session_id`) REFERENCES `sessions` (`id`) ON DELETE NO ACTION);
-- Create index "refresh_tokens_token_hash_key" to table: "refresh_tokens"
CREATE UNIQUE INDEX `refresh_tokens_token_hash_key` ON `refresh_tokens` (`token_hash`);
-- Create "sessions" table
CREATE TABLE `sessions` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `expires_at` datetime NOT NULL, `last_used_at` datetime NULL, `revoked_at` datetime NULL, `revoke_reason` text NULL, `ip` text NULL, `user_agent` text NULL, `user_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `sessions_users_sessions` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "session_user_id_revoked_at" to table: "sessions"
CREATE INDEX `session_user_id_revoked_at` ON `sessions` (`user_id`, `revoked_at`);
-- Create index "session_revoked_at" to table: "sessions"
CREATE INDEX `session_revoked_at` ON `sessions` (`revoked_at`);
