-- Create "notifications" table
CREATE TABLE `notifications` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `user_id` uuid NOT NULL, `kind` text NOT NULL, `payload` json NULL, `read_at` datetime NULL, `dedup_key` text NOT NULL, PRIMARY KEY (`id`));
-- Create index "notifications_dedup_key_key" to table: "notifications"
CREATE UNIQUE INDEX `notifications_dedup_key_key` ON `notifications` (`dedup_key`);
-- Create index "notification_user_id_id" to table: "notifications"
CREATE INDEX `notification_user_id_id` ON `notifications` (`user_id`, `id`);
