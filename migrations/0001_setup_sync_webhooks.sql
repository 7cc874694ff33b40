CREATE TABLE `store_auth_nonces` (
	`nonce_hash` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`store_url` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `accounts` ADD `draft_kinds` text DEFAULT 'order_status,returns,address_change,cancellation,other' NOT NULL;--> statement-breakpoint
ALTER TABLE `gmail_connections` ADD `sync_lease_owner` text;--> statement-breakpoint
ALTER TABLE `gmail_connections` ADD `sync_lease_until` integer;--> statement-breakpoint
ALTER TABLE `gmail_connections` ADD `sync_rerun_requested` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `store_connections` ADD `sealed_webhook_secret` text;--> statement-breakpoint
ALTER TABLE `store_connections` ADD `webhook_ids` text;--> statement-breakpoint
ALTER TABLE `store_connections` ADD `webhook_status` text;--> statement-breakpoint
ALTER TABLE `store_connections` ADD `webhook_checked_at` integer;