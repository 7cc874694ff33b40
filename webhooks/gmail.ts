import { Hono } from 'hono';
import { decodePushMessage, verifyPushToken } from '../src/google/push-token';
import { errorBody } from '../src/http/errors';
import { acceptGmailPush } from '../src/pipeline/push';
import type { Services } from '../src/services';

/**
 * Gmail push notifications (Cloud Pub/Sub push). The body names a mailbox and a historyId, nothing
 * more; we verify Google's OIDC token (401 otherwise, so a forged push does no work) and hand the
 * notification to the pipeline (src/pipeline/push.ts). Anything we cannot use is acknowledged
 * (204) so Pub/Sub does not redeliver it forever.
 */
export function gmailPushWebhook(s: Services) {
  return new Hono().post('/', async (c) => {
    const verdict = await verifyPushToken(c.req.header('authorization'), {
      jwksUrl: s.config.google.jwksUrl,
      audience: s.config.google.pushAudience,
      serviceAccountEmail: s.config.google.pushServiceAccount,
      fetch: s.fetch,
    });
    if (!verdict.ok) {
      s.logger.warn('push.rejected', { reason: verdict.reason });
      return c.json(errorBody(c, 'unauthorized', 'Invalid push token.'), 401);
    }

    const push = decodePushMessage(await c.req.json().catch(() => null));
    if (!push) {
      // No mailbox to count it against: the log event is the count.
      s.logger.warn('push.malformed');
      return c.body(null, 204);
    }
    await acceptGmailPush(s, push);
    return c.body(null, 204);
  });
}
