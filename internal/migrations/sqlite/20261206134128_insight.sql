-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create index "answerrevision_author_id_created_at" to table: "answer_revisions"
CREATE INDEX `answerrevision_author_id_created_at` ON `answer_revisions` (`author_id`, `created_at`);
-- Add column "expert_id" to table: "disputes"
ALTER TABLE `disputes` ADD COLUMN `expert_id` uuid NULL;
-- Drop index "rating_expert_id" from table: "ratings"
DROP INDEX `rating_expert_id`;
-- Create index "rating_expert_id_created_at" to table: "ratings"
CREATE INDEX `rating_expert_id_created_at` ON `ratings` (`expert_id`, `created_at`);
-- Create "new_questions" table
CREATE TABLE `new_questions` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subject` text NOT NULL, `title` text NOT NULL, `body` text NOT NULL, `urgency` text NOT NULL, `deadline` datetime NOT NULL, `price` integer NOT NULL, `status` text NOT NULL DEFAULT ('SUBMITTED'), `revision_count` integer NOT NULL DEFAULT (0), `delivered_at` datetime NULL, `closed_at` datetime NULL, `pipeline_status` text NULL, `pipeline_reason` text NULL, `ai_assisted` bool NOT NULL DEFAULT (false), `settings_version` integer NULL, `auto_accept_seconds` integer NULL, `revision_limit` integer NULL, `lease_seconds` integer NULL, `platform_fee_bps` integer NULL, `auto_accept_at` datetime NULL, `client_id` uuid NOT NULL, `expert_id` uuid NULL, PRIMARY KEY (`id`), CONSTRAINT `questions_users_client` FOREIGN KEY (`client_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION, CONSTRAINT `questions_users_expert` FOREIGN KEY (`expert_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Copy rows from old table "questions" to new temporary table "new_questions"
INSERT INTO `new_questions` (`id`, `created_at`, `updated_at`, `subject`, `title`, `body`, `urgency`, `deadline`, `price`, `status`, `revision_count`, `delivered_at`, `closed_at`, `pipeline_status`, `pipeline_reason`, `ai_assisted`, `client_id`, `expert_id`) SELECT `id`, `created_at`, `updated_at`, `subject`, `title`, `body`, `urgency`, `deadline`, `price`, `status`, `revision_count`, `delivered_at`, `closed_at`, `pipeline_status`, `pipeline_reason`, `ai_assisted`, `client_id`, `expert_id` FROM `questions`;
-- Drop "questions" table after copying rows
DROP TABLE `questions`;
-- Rename temporary table "new_questions" to "questions"
ALTER TABLE `new_questions` RENAME TO `questions`;
-- Create index "question_client_id_created_at" to table: "questions"
CREATE INDEX `question_client_id_created_at` ON `questions` (`client_id`, `created_at`);
-- Create index "question_status_subject_deadline" to table: "questions"
CREATE INDEX `question_status_subject_deadline` ON `questions` (`status`, `subject`, `deadline`);
-- Create index "question_expert_id_status" to table: "questions"
CREATE INDEX `question_expert_id_status` ON `questions` (`expert_id`, `status`);
-- Create index "question_status_auto_accept_at" to table: "questions"
CREATE INDEX `question_status_auto_accept_at` ON `questions` (`status`, `auto_accept_at`);
-- Create index "question_created_at" to table: "questions"
CREATE INDEX `question_created_at` ON `questions` (`created_at`);
-- Create "revision_requests" table
CREATE TABLE `revision_requests` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `question_id` uuid NOT NULL, `client_id` uuid NOT NULL, `expert_id` uuid NOT NULL, `note` text NULL, PRIMARY KEY (`id`));
-- Create index "revisionrequest_question_id_created_at" to table: "revision_requests"
CREATE INDEX `revisionrequest_question_id_created_at` ON `revision_requests` (`question_id`, `created_at`);
-- Create "settings_versions" table
CREATE TABLE `settings_versions` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `version` integer NOT NULL, `settings` json NOT NULL, `changes` json NOT NULL, `created_by` uuid NULL, PRIMARY KEY (`id`));
-- Create index "settings_versions_version_key" to table: "settings_versions"
CREATE UNIQUE INDEX `settings_versions_version_key` ON `settings_versions` (`version`);
-- Backfill: a dispute's expert is its question's (a disputed answer is never reassigned).
UPDATE `disputes` SET `expert_id` = (SELECT `expert_id` FROM `questions` WHERE `questions`.`id` = `disputes`.`question_id`);
-- Backfill: revision notes were kept as the reason of the claim a revision request opened
-- (a decline overwrote it, and an empty note left no trace: those are lost).
INSERT INTO `revision_requests` (`id`, `created_at`, `question_id`, `client_id`, `expert_id`, `note`) SELECT `a`.`id`, `a`.`claimed_at`, `a`.`question_id`, `q`.`client_id`, `a`.`expert_id`, `a`.`reason` FROM `assignments` `a` JOIN `questions` `q` ON `q`.`id` = `a`.`question_id` WHERE `a`.`reason` <> '' AND (`a`.`outcome` IS NULL OR `a`.`outcome` <> 'DECLINED');
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
