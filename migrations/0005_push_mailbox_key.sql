ALTER TABLE `gmail_connections` ADD `mailbox_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `gmail_connections_mailbox_key` ON `gmail_connections` (`mailbox_key`);