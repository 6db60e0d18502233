-- Create "outbox_messages" table
CREATE TABLE `outbox_messages` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `kind` text NOT NULL, `topic` text NOT NULL, `key` text NULL, `payload` blob NULL, `attempts` integer NOT NULL DEFAULT (0), `available_at` datetime NOT NULL, `claimed_until` datetime NULL, `delivered_at` datetime NULL, `last_error` text NULL, PRIMARY KEY (`id`));
-- Create index "outboxmessage_available_at" to table: "outbox_messages"
CREATE INDEX `outboxmessage_available_at` ON `outbox_messages` (`available_at`) WHERE delivered_at IS NULL;
-- Create index "outboxmessage_delivered_at" to table: "outbox_messages"
CREATE INDEX `outboxmessage_delivered_at` ON `outbox_messages` (`delivered_at`);
-- Create index "outboxmessage_key" to table: "outbox_messages"
CREATE INDEX `outboxmessage_key` ON `outbox_messages` (`key`);
-- Create "settings" table
CREATE TABLE `settings` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `key` text NOT NULL, `value` json NOT NULL, `updated_by` uuid NULL, PRIMARY KEY (`id`));
-- Create index "settings_key_key" to table: "settings"
CREATE UNIQUE INDEX `settings_key_key` ON `settings` (`key`);
