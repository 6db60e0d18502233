-- Create "credit_purchases" table
CREATE TABLE `credit_purchases` (`id` uuid NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `idempotency_key` text NOT NULL, `credits` integer NOT NULL, `pack_id` text NULL, `amount` integer NOT NULL DEFAULT (0), `currency` text NULL, `status` text NOT NULL DEFAULT ('PENDING'), `provider` text NOT NULL, `provider_ref` text NULL, `payment_ref` text NULL, `checkout_url` text NULL, `transaction_id` uuid NULL, `completed_at` datetime NULL, `refunded_credits` integer NOT NULL DEFAULT (0), `flagged` bool NOT NULL DEFAULT (false), `flag_reason` text NULL, `user_id` uuid NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `credit_purchases_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "creditpurchase_user_id_idempotency_key" to table: "credit_purchases"
CREATE UNIQUE INDEX `creditpurchase_user_id_idempotency_key` ON `credit_purchases` (`user_id`, `idempotency_key`);
-- Create index "creditpurchase_user_id_created_at" to table: "credit_purchases"
CREATE INDEX `creditpurchase_user_id_created_at` ON `credit_purchases` (`user_id`, `created_at`);
-- Create index "creditpurchase_provider_payment_ref" to table: "credit_purchases"
CREATE INDEX `creditpurchase_provider_payment_ref` ON `credit_purchases` (`provider`, `payment_ref`);
-- Create index "creditpurchase_flagged_created_at" to table: "credit_purchases"
CREATE INDEX `creditpurchase_flagged_created_at` ON `credit_purchases` (`flagged`, `created_at`);
