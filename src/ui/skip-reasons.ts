import type { SkipReason } from '../pipeline/filters';
import { ownEntry } from '../platform/own-entry';

/**
 * Every skip reason in words, keyed by the union so a new reason without a label does not compile.
 * Each reads both as a row of the dashboard's "skipped, by reason" table and as the reason one
 * message got no draft (the sandbox mailbox view).
 */
export const REASONS: Record<SkipReason, string> = {
  label: 'In Sent, Spam, Promotions or a similar folder',
  auto_reply: 'Automatic reply',
  bulk: 'Newsletter or mailing list',
  no_reply_sender: 'No-reply sender',
  from_merchant: 'Sent by you',
  before_connection: 'Arrived before you connected',
  too_large: 'Too large',
  opted_out: 'Customer opted out',
  paused: 'Drafting paused',
  already_drafted: 'Thread already had a draft',
  merchant_replied_last: 'You had already replied',
  newer_message_in_thread: 'A newer message followed in the thread',
  thanks_only: 'A plain thank-you',
  no_reply_needed: 'No reply needed',
  fact_guard: 'Held back: a fact could not be verified',
  kind_disabled: 'Kind of mail switched off in settings',
  no_text: 'No readable text',
  no_sender: 'No sender',
  message_gone: 'Deleted before Draftline read it',
  llm_unavailable: 'The reply writer was unavailable',
  llm_failed: 'The reply writer could not answer',
  store_unavailable: 'Your store was unavailable',
  store_failed: 'Your store refused the order lookup',
  store_reconnect_needed: 'Your store needs to be reconnected',
  store_suspended: 'Shopify made your store unavailable (frozen or locked)',
  unprocessable: 'Could not be read (malformed or rejected by Gmail)',
  kept_failing: 'Gave up after repeated errors',
};

/** A sync outcome word ('drafted' or a SkipReason) in words; an unknown word is shown as it is. */
export function describeSkip(reason: string): string {
  return ownEntry(REASONS, reason) ?? reason;
}
