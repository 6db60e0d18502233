-- Create "payout_methods" table
CREATE TABLE `payout_methods` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `key_id` text NOT NULL, `details_sealed` blob NOT NULL, `user_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `payout_methods_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "payoutmethod_user_id" to table: "payout_methods"
CREATE UNIQUE INDEX `payoutmethod_user_id` ON `payout_methods` (`user_id`);
-- Create "subject_requests" table
CREATE TABLE `subject_requests` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subjects` json NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `note` text NULL, `decided_by` uuid NULL, `decided_at` datetime NULL, `expert_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `subject_requests_users_expert` FOREIGN KEY (`expert_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "subjectrequest_expert_id_created_at" to table: "subject_requests"
CREATE INDEX `subjectrequest_expert_id_created_at` ON `subject_requests` (`expert_id`, `created_at`);
-- Create index "subjectrequest_status_created_at" to table: "subject_requests"
CREATE INDEX `subjectrequest_status_created_at` ON `subject_requests` (`status`, `created_at`);
