-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Add column "based_on_id" to table: "answer_revisions"
ALTER TABLE `answer_revisions` ADD COLUMN `based_on_id` uuid NULL;
-- Add column "change_ratio" to table: "answer_revisions"
ALTER TABLE `answer_revisions` ADD COLUMN `change_ratio` real NULL;
-- Add column "model" to table: "answer_revisions"
ALTER TABLE `answer_revisions` ADD COLUMN `model` text NULL;
-- Add column "prompt_version" to table: "answer_revisions"
ALTER TABLE `answer_revisions` ADD COLUMN `prompt_version` text NULL;
-- Create "new_questions" table
CREATE TABLE `new_questions` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subject` text NOT NULL, `title` text NOT NULL, `body` text NOT NULL, `urgency` text NOT NULL, `deadline` datetime NOT NULL, `price` integer NOT NULL, `status` text NOT NULL DEFAULT ('SUBMITTED'), `revision_count` integer NOT NULL DEFAULT (0), `delivered_at` datetime NULL, `closed_at` datetime NULL, `pipeline_status` text NULL, `pipeline_reason` text NULL, `ai_assisted` bool NOT NULL DEFAULT (false), `client_id` uuid NOT NULL, `expert_id` uuid NULL, PRIMARY KEY (`id`), CONSTRAINT `questions_users_client` FOREIGN KEY (`client_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION, CONSTRAINT `questions_users_expert` FOREIGN KEY (`expert_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Copy rows from old table "questions" to new temporary table "new_questions"
INSERT INTO `new_questions` (`id`, `created_at`, `updated_at`, `subject`, `title`, `body`, `urgency`, `deadline`, `price`, `status`, `revision_count`, `delivered_at`, `closed_at`, `client_id`, `expert_id`) SELECT `id`, `created_at`, `updated_at`, `subject`, `title`, `body`, `urgency`, `deadline`, `price`, `status`, `revision_count`, `delivered_at`, `closed_at`, `client_id`, `expert_id` FROM `questions`;
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
-- Create "pipeline_stages" table
CREATE TABLE `pipeline_stages` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `stage` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `attempts` integer NOT NULL DEFAULT (0), `started_at` datetime NULL, `finished_at` datetime NULL, `model` text NULL, `prompt_version` text NULL, `prompt_tokens` integer NOT NULL DEFAULT (0), `completion_tokens` integer NOT NULL DEFAULT (0), `provider_ms` integer NOT NULL DEFAULT (0), `error` text NULL, `question_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `pipeline_stages_questions_pipeline_stages` FOREIGN KEY (`question_id`) REFERENCES `questions` (`id`) ON DELETE NO ACTION);
-- Create index "pipelinestage_question_id_stage" to table: "pipeline_stages"
CREATE UNIQUE INDEX `pipelinestage_question_id_stage` ON `pipeline_stages` (`question_id`, `stage`);
-- Create index "pipelinestage_finished_at" to table: "pipeline_stages"
CREATE INDEX `pipelinestage_finished_at` ON `pipeline_stages` (`finished_at`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
