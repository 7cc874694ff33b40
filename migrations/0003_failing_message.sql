ALTER TABLE `gmail_connections` ADD `failing_message_tag` text;--> statement-breakpoint
ALTER TABLE `gmail_connections` ADD `failing_message_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `gmail_connections` ADD `failing_message_since` integer;