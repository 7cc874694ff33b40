import type { ParsedMail } from '../drafting/parse-mail';

/**
 * Reasons a message gets no draft. Each is a counter name (`skipped:<reason>`), so the status page
 * can say why without keeping anything about the message itself.
 */
export type SkipReason =
  | 'label' // SENT, DRAFT, SPAM, TRASH, or a promotions/social/updates/forums category
  | 'auto_reply' // Auto-Submitted, X-Autoreply, ...
  | 'bulk' // Precedence bulk/list/junk, List-Id, List-Unsubscribe
  | 'no_reply_sender' // noreply@, mailer-daemon@, postmaster@
  | 'from_merchant' // the merchant's own address
  | 'no_sender'
  | 'before_connection'
  | 'too_large'
  | 'opted_out'
  | 'paused'
  | 'already_drafted'
  | 'merchant_replied_last'
  | 'newer_message_in_thread'
  | 'no_reply_needed'
  | 'fact_guard'
  | 'no_text';

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

export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

/** Cheapest check first: the labels history.list already gave us, before any message is fetched. */
export function skipByLabels(labelIds: readonly string[]): SkipReason | null {
  if (!labelIds.includes('INBOX')) return 'label';
  return labelIds.some((l) => SKIP_LABELS.has(l)) ? 'label' : null;
}

const NO_REPLY_LOCAL = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|postmaster|bounces?|notifications?)([+\-_.].*)?$/i;

/** Header checks on the parsed message: machines, lists and the merchant's own mail get no draft. */
export function skipByHeaders(mail: ParsedMail, merchantAddresses: readonly string[]): SkipReason | null {
  const h = mail.headers;
  const autoSubmitted = h.get('auto-submitted');
  if ((autoSubmitted && autoSubmitted.trim().toLowerCase() !== 'no') || h.has('x-autoreply') || h.has('x-autorespond')) {
    return 'auto_reply';
  }
  if (/^\s*(bulk|list|junk)\s*$/i.test(h.get('precedence') ?? '') || h.has('list-id') || h.has('list-unsubscribe')) {
    return 'bulk';
  }
  if (!mail.from) return 'no_sender';
  const [local] = mail.from.address.split('@');
  if (local && NO_REPLY_LOCAL.test(local)) return 'no_reply_sender';
  if (merchantAddresses.some((a) => a.toLowerCase() === mail.from!.address)) return 'from_merchant';
  return null;
}
