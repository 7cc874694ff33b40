import { Hono } from 'hono';
import { findAccountIdByMailbox, touchGmailConnection } from '../src/db/accounts';
import { bumpCounters } from '../src/db/counters';
import { decodePushMessage, verifyPushToken } from '../src/google/push-token';
import { errorBody } from '../src/http/errors';
import type { Services } from '../src/services';

/**
 * Gmail push notifications (Cloud Pub/Sub push). The body names a mailbox and a historyId, nothing
 * more; we verify Google's OIDC token, map the mailbox to an account and queue `{accountId}`.
 * Anything we cannot use is acknowledged (2xx) so Pub/Sub does not redeliver it forever.
 */
export function gmailPushWebhook(s: Services) {
  return new Hono().post('/', async (c) => {
    const verdict = await verifyPushToken(c.req.header('authorization'), {
      jwksUrl: s.config.google.jwksUrl,
      audience: s.config.google.pushAudience,
      serviceAccountEmail: s.config.google.pushServiceAccount,
      fetch: s.fetch,
    });
    if (!verdict.valid) {
      s.logger.warn('push.rejected', { reason: verdict.reason });
      return c.json(errorBody(c, 'unauthorized', 'Invalid push token.'), 401);
    }

    const push = decodePushMessage(await c.req.json().catch(() => null));
    if (!push) {
      s.logger.warn('push.malformed');
      return c.body(null, 204);
    }
    const accountId = await findAccountIdByMailbox(s.db, push.emailAddress);
    if (!accountId) {
      s.logger.info('push.unknown_mailbox');
      return c.body(null, 204);
    }
    await s.queue.send({ accountId });
    const now = s.now();
    await Promise.all([
      touchGmailConnection(s.db, accountId, { lastPushAt: now }),
      bumpCounters(s.db, accountId, { notifications: 1 }, now),
    ]);
    return c.body(null, 204);
  });
}
