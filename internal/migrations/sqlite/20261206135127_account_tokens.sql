-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_users" table
CREATE TABLE `new_users` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `email` text NOT NULL, `password_hash` text NOT NULL, `display_name` text NOT NULL, `role` text NOT NULL DEFAULT ('CLIENT'), `status` text NOT NULL DEFAULT ('ACTIVE'), `expert_status` text NULL, `expert_subjects` json NULL, `expert_bio` text NULL, `email_verified` bool NOT NULL DEFAULT (false), PRIMARY KEY (`id`));
-- Copy rows from old table "users" to new temporary table "new_users"
INSERT INTO `new_users` (`id`, `created_at`, `updated_at`, `email`, `password_hash`, `display_name`, `role`, `status`, `expert_status`, `expert_subjects`, `expert_bio`) SELECT `id`, `created_at`, `updated_at`, `email`, `password_hash`, `display_name`, `role`, `status`, `expert_status`, `expert_subjects`, `expert_bio` FROM `users`;
-- Drop "users" table after copying rows
DROP TABLE `users`;
-- Rename temporary table "new_users" to "users"
ALTER TABLE `new_users` RENAME TO `users`;
-- Create index "user_email" to table: "users"
CREATE UNIQUE INDEX `user_email` ON `users` (`email`);
-- Create index "user_role_status" to table: "users"
CREATE INDEX `user_role_status` ON `users` (`role`, `status`);
-- Create "account_tokens" table
CREATE TABLE `account_tokens` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `user_id` uuid NOT NULL, `purpose` text NOT NULL, `token_hash` blob NOT NULL, `expires_at` datetime NOT NULL, `used_at` datetime NULL, `request_id` text NULL, PRIMARY KEY (`id`));
-- Create index "account_tokens_token_hash_key" to table: "account_tokens"
CREATE UNIQUE INDEX `account_tokens_token_hash_key` ON `account_tokens` (`token_hash`);
-- Create index "account_tokens_request_id_key" to table: "account_tokens"
CREATE UNIQUE INDEX `account_tokens_request_id_key` ON `account_tokens` (`request_id`);
-- Create index "accounttoken_user_id_purpose" to table: "account_tokens"
CREATE INDEX `accounttoken_user_id_purpose` ON `account_tokens` (`user_id`, `purpose`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
