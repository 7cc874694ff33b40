ALTER TABLE `accounts` ADD `return_window_days` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `policy_returns` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `policy_shipping` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `policy_order_changes` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `policy_damaged_items` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `policy_faq` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `stalled_after_days` integer DEFAULT 7 NOT NULL;--> statement-breakpoint
-- The two new kinds were drafted before as returns (a damaged item) and other (a pre-sales question):
-- an account keeps getting drafts for that mail.
UPDATE `accounts` SET `draft_kinds` = `draft_kinds` || ',damaged' WHERE (',' || `draft_kinds` || ',') LIKE '%,returns,%';--> statement-breakpoint
UPDATE `accounts` SET `draft_kinds` = `draft_kinds` || ',presales' WHERE (',' || `draft_kinds` || ',') LIKE '%,other,%';
