import { addressParser } from 'postal-mime';

/**
 * Reasons a message gets no draft. Each is a counter name (`skipped:<reason>`), so the status page
 * can say why without keeping anything about the message itself. A list (not only a type) so that
 * a test can go through every one, e.g. to prove each has a label.
 */
export const SKIP_REASONS = [
  'label', // SENT, DRAFT, SPAM, TRASH, or a promotions/social/updates/forums category
  'auto_reply', // Auto-Submitted, X-Autoreply, Precedence: auto_reply, ...
  'bulk', // Precedence bulk/list/junk, List-Id, List-Unsubscribe
  'no_reply_sender', // noreply@, mailer-daemon@, postmaster@
  'from_merchant', // the merchant's own address
  'no_sender',
  'before_connection', // arrived before the mailbox was connected
  'too_large',
  'opted_out', // the customer asked not to be answered by Draftline
  'paused', // the merchant paused drafting
  'already_drafted', // the thread holds a draft (ours or the merchant's): never a second one
  'merchant_replied_last',
  'newer_message_in_thread',
  'message_gone', // deleted between the notification and the read
  'no_text',
  'thanks_only', // a plain thank-you in reply, seen in Gmail's preview (never downloaded)
  'no_reply_needed', // the model found nothing to answer
  'kind_disabled', // the merchant does not want drafts for this kind of mail
  'fact_guard', // the reply named a fact not in the data, twice
  'llm_unavailable', // the model kept failing with retryable errors
  'llm_failed', // the model refused or answered out of shape
  'store_unavailable', // the store kept failing with retryable errors
  'store_failed', // the store refused (credentials, permissions)
  'store_reconnect_needed', // the store refused our grant (a token refresh or migration): the merchant must reconnect it
  'store_suspended', // Shopify took the shop out of service (frozen for an unpaid bill, or locked)
  'unprocessable', // handling it failed in a way retrying cannot fix (a malformed message, Gmail 400 on its draft)
  'kept_failing', // transient failures on this one message, run after run: given up so the mailbox moves on
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

const SKIP_LABELS = new Set([
  'SENT',
  'DRAFT',
  'SPAM',
  'TRASH',
  'CATEGORY_PROMOTIONS',
  'CATEGORY_SOCIAL',
  'CATEGORY_UPDATES',
  'CATEGORY_FORUMS',
]);

/**
 * Above this the message is not downloaded. Generous on purpose: a customer's photo of a broken
 * item is a real question, and the raw message (attachments included) still fits a Worker's memory.
 */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/** Cheapest check first: the labels history.list already gave us, before any message is fetched. */
export function skipByLabels(labelIds: readonly string[]): SkipReason | null {
  if (!labelIds.includes('INBOX')) return 'label';
  return labelIds.some((l) => SKIP_LABELS.has(l)) ? 'label' : null;
}

// Platform notifications come from these too (Shopify's store mail: mailer@shopify.com).
const NO_REPLY_LOCAL =
  /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|mailer|postmaster|bounces?|notifications?)([+\-_.].*)?$/i;

/** What the header checks need: lower-cased header names → values, and the sender's address. */
export interface HeaderView {
  headers: ReadonlyMap<string, string>;
  from: { address: string } | null;
}

/**
 * Longer From values are no person's address: not parsed, no sender (so no draft). postal-mime's
 * address parser takes time linear in its input only with a large factor ("a:a:…" groups are parsed
 * 50 levels deep: 5 s for 1 MB); a real From, encoded name included, fits in a few hundred characters.
 */
export const MAX_FROM_LENGTH = 4096;

/** The sender of a From header value (already decoded), lower-cased; null when there is none. */
export function senderOf(fromHeader: string | undefined): { address: string } | null {
  if (!fromHeader || fromHeader.length > MAX_FROM_LENGTH) return null;
  for (const entry of addressParser(fromHeader)) {
    const address = entry.address ?? entry.group?.find((g) => g.address)?.address;
    if (address?.includes('@')) return { address: address.trim().toLowerCase() };
  }
  return null;
}

/**
 * Header checks: machines, lists and the merchant's own mail get no draft. Runs on the metadata
 * headers before the body is downloaded, and again on the parsed message.
 */
export function skipByHeaders(mail: HeaderView, merchantAddresses: readonly string[]): SkipReason | null {
  const h = mail.headers;
  const autoSubmitted = h.get('auto-submitted');
  const precedence = (h.get('precedence') ?? '').trim().toLowerCase();
  if (
    (autoSubmitted && autoSubmitted.trim().toLowerCase() !== 'no') ||
    h.has('x-autoreply') ||
    h.has('x-autorespond') ||
    precedence === 'auto_reply'
  ) {
    return 'auto_reply';
  }
  if (
    precedence === 'bulk' ||
    precedence === 'list' ||
    precedence === 'junk' ||
    h.has('list-id') ||
    h.has('list-unsubscribe')
  ) {
    return 'bulk';
  }
  if (!mail.from) return 'no_sender';
  const sender = mail.from.address.toLowerCase();
  const [local] = sender.split('@');
  if (local && NO_REPLY_LOCAL.test(local)) return 'no_reply_sender';
  if (merchantAddresses.some((a) => a.toLowerCase() === sender)) return 'from_merchant';
  return null;
}
