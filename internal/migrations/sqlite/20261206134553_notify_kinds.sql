-- Add column "lease_warned_at" to table: "assignments"
ALTER TABLE `assignments` ADD COLUMN `lease_warned_at` datetime NULL;
-- Create "notification_preferences" table
CREATE TABLE `notification_preferences` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `user_id` uuid NOT NULL, `email` json NULL, PRIMARY KEY (`id`));
-- Create index "notification_preferences_user_id_key" to table: "notification_preferences"
CREATE UNIQUE INDEX `notification_preferences_user_id_key` ON `notification_preferences` (`user_id`);
