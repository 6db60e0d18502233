-- Add column "trace_context" to table: "outbox_messages"
ALTER TABLE `outbox_messages` ADD COLUMN `trace_context` json NULL;
