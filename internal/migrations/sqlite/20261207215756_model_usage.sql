-- Create "model_usages" table
CREATE TABLE `model_usages` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `question_id` uuid NOT NULL, `stage` text NOT NULL, `model` text NOT NULL, `prompt_tokens` integer NOT NULL, `completion_tokens` integer NOT NULL, PRIMARY KEY (`id`));
-- Create index "modelusage_created_at" to table: "model_usages"
CREATE INDEX `modelusage_created_at` ON `model_usages` (`created_at`);
-- What the stages recorded so far is the spending until now (a stage's row kept only its last attempt).
INSERT INTO `model_usages` (`id`, `created_at`, `question_id`, `stage`, `model`, `prompt_tokens`, `completion_tokens`)
SELECT `id`, `finished_at`, `question_id`, `stage`, COALESCE(`model`, ''), `prompt_tokens`, `completion_tokens` FROM `pipeline_stages`
WHERE `finished_at` IS NOT NULL AND (`prompt_tokens` > 0 OR `completion_tokens` > 0);
