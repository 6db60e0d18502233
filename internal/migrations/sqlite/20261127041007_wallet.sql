-- Create "accounts" table
CREATE TABLE `accounts` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `question_id` uuid NULL, `balance` integer NOT NULL DEFAULT (0), `owner_id` uuid NULL, PRIMARY KEY (`id`), CONSTRAINT `accounts_users_owner` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION, CONSTRAINT `accounts_balance_non_negative` CHECK (kind = 'EXTERNAL' OR balance >= 0));
-- Create index "account_owner_id_kind" to table: "accounts"
CREATE INDEX `account_owner_id_kind` ON `accounts` (`owner_id`, `kind`);
-- Create index "account_question_id" to table: "accounts"
CREATE INDEX `account_question_id` ON `accounts` (`question_id`);
-- Create "idempotency_keys" table
CREATE TABLE `idempotency_keys` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `scope` text NOT NULL, `key` text NOT NULL, `operation` text NOT NULL, `request_hash` text NOT NULL, `result` json NULL, PRIMARY KEY (`id`));
-- Create index "idempotencykey_scope_key" to table: "idempotency_keys"
CREATE UNIQUE INDEX `idempotencykey_scope_key` ON `idempotency_keys` (`scope`, `key`);
-- Create index "idempotencykey_created_at" to table: "idempotency_keys"
CREATE INDEX `idempotencykey_created_at` ON `idempotency_keys` (`created_at`);
-- Create "ledger_transactions" table
CREATE TABLE `ledger_transactions` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `kind` text NOT NULL, `question_id` uuid NULL, `payout_id` uuid NULL, `actor_id` uuid NULL, `memo` text NULL, PRIMARY KEY (`id`));
-- Create index "ledgertransaction_kind_created_at" to table: "ledger_transactions"
CREATE INDEX `ledgertransaction_kind_created_at` ON `ledger_transactions` (`kind`, `created_at`);
-- Create index "ledgertransaction_question_id" to table: "ledger_transactions"
CREATE INDEX `ledgertransaction_question_id` ON `ledger_transactions` (`question_id`);
-- Create "payouts" table
CREATE TABLE `payouts` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `amount` integer NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `decided_by` uuid NULL, `decided_at` datetime NULL, `note` text NULL, `request_transaction_id` uuid NOT NULL, `decision_transaction_id` uuid NULL, `expert_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `payouts_users_expert` FOREIGN KEY (`expert_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "payout_expert_id_created_at" to table: "payouts"
CREATE INDEX `payout_expert_id_created_at` ON `payouts` (`expert_id`, `created_at`);
-- Create index "payout_status_created_at" to table: "payouts"
CREATE INDEX `payout_status_created_at` ON `payouts` (`status`, `created_at`);
-- Create "postings" table
CREATE TABLE `postings` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `owner_id` uuid NULL, `kind` text NOT NULL, `question_id` uuid NULL, `amount` integer NOT NULL, `account_id` uuid NOT NULL, `transaction_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `postings_accounts_postings` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `postings_ledger_transactions_postings` FOREIGN KEY (`transaction_id`) REFERENCES `ledger_transactions` (`id`) ON DELETE NO ACTION);
-- Create index "posting_owner_id_created_at" to table: "postings"
CREATE INDEX `posting_owner_id_created_at` ON `postings` (`owner_id`, `created_at`);
-- Create index "posting_account_id_created_at" to table: "postings"
CREATE INDEX `posting_account_id_created_at` ON `postings` (`account_id`, `created_at`);
-- Create index "posting_transaction_id" to table: "postings"
CREATE INDEX `posting_transaction_id` ON `postings` (`transaction_id`);
