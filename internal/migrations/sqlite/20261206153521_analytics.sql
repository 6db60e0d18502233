-- Create "analytics_days" table
CREATE TABLE `analytics_days` (`id` uuid NOT NULL, `day` datetime NOT NULL, `subject` text NOT NULL, `submitted` integer NOT NULL DEFAULT (0), `accepted` integer NOT NULL DEFAULT (0), `cancelled` integer NOT NULL DEFAULT (0), `declined` integer NOT NULL DEFAULT (0), `expired` integer NOT NULL DEFAULT (0), `disputed` integer NOT NULL DEFAULT (0), `breaches` integer NOT NULL DEFAULT (0), `captured` integer NOT NULL DEFAULT (0), `fees` integer NOT NULL DEFAULT (0), `refunded` integer NOT NULL DEFAULT (0), `payouts` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- Create index "analyticsday_subject_day" to table: "analytics_days"
CREATE UNIQUE INDEX `analyticsday_subject_day` ON `analytics_days` (`subject`, `day`);
-- Create "analytics_durations" table
CREATE TABLE `analytics_durations` (`id` uuid NOT NULL, `day` datetime NOT NULL, `subject` text NOT NULL, `kind` text NOT NULL, `counts` blob NOT NULL, PRIMARY KEY (`id`));
-- Create index "analyticsduration_subject_kind_day" to table: "analytics_durations"
CREATE UNIQUE INDEX `analyticsduration_subject_kind_day` ON `analytics_durations` (`subject`, `kind`, `day`);
-- Create "analytics_expert_days" table
CREATE TABLE `analytics_expert_days` (`id` uuid NOT NULL, `day` datetime NOT NULL, `expert_id` uuid NOT NULL, `delivered` integer NOT NULL DEFAULT (0), `on_time` integer NOT NULL DEFAULT (0), `accepted` integer NOT NULL DEFAULT (0), `ratings` integer NOT NULL DEFAULT (0), `stars` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- Create index "analyticsexpertday_day_expert_id" to table: "analytics_expert_days"
CREATE UNIQUE INDEX `analyticsexpertday_day_expert_id` ON `analytics_expert_days` (`day`, `expert_id`);
-- Create "analytics_expert_months" table
CREATE TABLE `analytics_expert_months` (`id` uuid NOT NULL, `month` datetime NOT NULL, `expert_id` uuid NOT NULL, `delivered` integer NOT NULL DEFAULT (0), `on_time` integer NOT NULL DEFAULT (0), `accepted` integer NOT NULL DEFAULT (0), `ratings` integer NOT NULL DEFAULT (0), `stars` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- Create index "analyticsexpertmonth_month_expert_id" to table: "analytics_expert_months"
CREATE UNIQUE INDEX `analyticsexpertmonth_month_expert_id` ON `analytics_expert_months` (`month`, `expert_id`);
-- Create "analytics_ledger_entries" table
CREATE TABLE `analytics_ledger_entries` (`id` uuid NOT NULL, PRIMARY KEY (`id`));
-- Create "analytics_questions" table
CREATE TABLE `analytics_questions` (`id` uuid NOT NULL, `version` integer NOT NULL DEFAULT (0), `subject` text NOT NULL, `submitted_at` datetime NOT NULL, `deadline` datetime NOT NULL, `first_claim_at` datetime NULL, `first_delivery_at` datetime NULL, `delivered_by` uuid NULL, `outcome` text NULL, `closed_at` datetime NULL, `accepted_by` uuid NULL, `disputed_at` datetime NULL, `rated_at` datetime NULL, `stars` integer NOT NULL DEFAULT (0), `rated_expert` uuid NULL, PRIMARY KEY (`id`));
