CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	`shop_name` text,
	`tone` text DEFAULT 'friendly' NOT NULL,
	`sign_off_name` text,
	`signature` text,
	`fallback_language` text DEFAULT 'en' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `compliance_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text,
	`source` text NOT NULL,
	`topic` text NOT NULL,
	`store_domain` text,
	`external_id` text,
	`subject_hash` text,
	`received_at` integer NOT NULL,
	`completed_at` integer,
	`outcome` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `compliance_requests_external` ON `compliance_requests` (`source`,`external_id`);--> statement-breakpoint
CREATE TABLE `consent_records` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`kind` text NOT NULL,
	`detail` text NOT NULL,
	`version` text NOT NULL,
	`granted_at` integer NOT NULL,
	`withdrawn_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `daily_counters` (
	`account_id` text NOT NULL,
	`day` text NOT NULL,
	`name` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`account_id`, `day`, `name`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `gmail_connections` (
	`account_id` text PRIMARY KEY NOT NULL,
	`mailbox` text NOT NULL,
	`sealed_refresh_token` text,
	`granted_scopes` text NOT NULL,
	`history_cursor` text,
	`watch_expires_at` integer,
	`status` text DEFAULT 'active' NOT NULL,
	`connected_at` integer NOT NULL,
	`last_sync_at` integer,
	`last_push_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gmail_connections_mailbox` ON `gmail_connections` (`mailbox`);--> statement-breakpoint
CREATE TABLE `opt_outs` (
	`account_id` text NOT NULL,
	`address_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `address_hash`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `store_connections` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`kind` text NOT NULL,
	`store_domain` text NOT NULL,
	`sealed_credentials` text,
	`status` text DEFAULT 'active' NOT NULL,
	`connected_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `store_connections_account` ON `store_connections` (`account_id`);