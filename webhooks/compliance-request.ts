import type { Context } from 'hono';
import { finishWithin, keepAliveFor } from '../src/compliance/budget';
import { performComplianceRequest } from '../src/compliance/perform';
import { openComplianceRequest, type NewComplianceRequest } from '../src/compliance/records';
import { hashAddress } from '../src/crypto/hmac';
import { errorClass } from '../src/platform/log';
import type { Services } from '../src/services';

/**
 * The end both compliance webhooks share, once the delivery is verified and parsed: record the
 * request (a redelivery of finished work is answered 200 and does nothing), then do the work
 * within the platform's patience. What does not finish in time carries on in the background, and
 * the open record is what the cron resumes if it never does. The customer's address, if any,
 * only becomes a keyed hash.
 */
export async function recordAndPerform(
  s: Services,
  c: Context,
  request: Omit<NewComplianceRequest, 'subjectHash'> & { email: string | null },
  opts: { budgetMs: number; log: 'shopify' | 'woo' },
): Promise<Response> {
  const { email, ...fields } = request;
  const accountId = fields.accountId ?? undefined; // for the log line: absent when no account is known
  const subjectHash = email ? await hashAddress(s.config.secrets.hashKey, email) : null;
  const { row, completed } = await openComplianceRequest(s.db, { ...fields, subjectHash }, s.now());
  if (completed) {
    s.logger.info(`${opts.log}.webhook_duplicate`, { accountId });
    return c.body(null, 200);
  }
  const result = await finishWithin(performComplianceRequest(s, row), opts.budgetMs, keepAliveFor(c), (err) =>
    s.logger.error(`${opts.log}.webhook_late_failure`, { errorClass: errorClass(err) }),
  );
  if (!result.ok) s.logger.warn(`${opts.log}.webhook_answered_early`, { accountId, ms: opts.budgetMs });
  return c.body(null, 200);
}
