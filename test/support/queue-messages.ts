/**
 * The only shapes a queue message may have, written out here independently of
 * src/platform/queue.ts so that loosening the schema there fails the privacy tests: a sync
 * `{accountId}`, a push's sync `{mailboxKey, historyId}` (a 64-hex keyed hash and a decimal
 * counter), a cron job `{accountId, job: 'renew_watch' | 'repair_store'}`, or a compliance request
 * `{job: 'compliance', requestId}`. Ids only, and ids that cannot be an address or a domain.
 */
const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAILBOX_KEY = /^[0-9a-f]{64}$/;
const HISTORY_ID = /^(0|[1-9][0-9]{0,19})$/;
const REQUEST_ID = /^cmp_[a-z0-9]{1,40}$/;
const ACCOUNT_JOBS = new Set(['renew_watch', 'repair_store']);

/** Why a serialised message is not an allowed shape; null when it is. */
export function queueMessageProblem(serialised: string): string | null {
  const message = JSON.parse(serialised) as Record<string, unknown>;
  const keys = Object.keys(message).sort().join();
  const id = (value: unknown, pattern: RegExp) => typeof value === 'string' && pattern.test(value);
  switch (keys) {
    case 'accountId':
      return id(message.accountId, ACCOUNT_ID) ? null : 'queue message with a malformed accountId';
    case 'historyId,mailboxKey':
      return id(message.mailboxKey, MAILBOX_KEY) && id(message.historyId, HISTORY_ID)
        ? null
        : 'queue message with a malformed mailbox key or historyId';
    case 'accountId,job':
      return id(message.accountId, ACCOUNT_ID) && ACCOUNT_JOBS.has(String(message.job))
        ? null
        : `queue message with job ${String(message.job)}`;
    case 'job,requestId':
      return message.job === 'compliance' && id(message.requestId, REQUEST_ID)
        ? null
        : 'queue message with a malformed compliance request';
    default:
      return `queue message with ${Object.keys(message).join()}`;
  }
}
