import { Hono, type Context } from 'hono';
import { ACCOUNT_ID, checkOptOutToken, issueOptOutToken, parseOptOutEmail, recordOptOut } from '../compliance/opt-out';
import { createRateLimiter, type RateLimiter } from '../compliance/rate-limit';
import { formBodyLimit } from '../http/body-limit';
import { clientAddress } from '../http/client-address';
import { errorBody } from '../http/errors';
import { checkSameOrigin } from '../http/same-origin';
import type { Services } from '../services';
import { renderPage } from '../ui/layout';
import { OptOutPage, type OptOutState } from '../ui/opt-out-page';

/**
 * GET/POST /opt-out/:accountId — the public objection form (src/ui/opt-out-page.tsx).
 * POST: rate limit → same origin → anti-forgery token → address → store the keyed hash. Every
 * outcome for a well-formed request looks the same whether or not the account exists.
 */
export interface OptOutRouteOptions {
  limiter?: RateLimiter;
}

export function optOutRoutes(s: Services, options: OptOutRouteOptions = {}) {
  // 5 tries per client, one back every 2 minutes; 120 a minute for everyone on this isolate. Posts
  // whose client the runtime cannot name share 50 tries (10 a minute back) per account, never a
  // client's bucket (see src/compliance/rate-limit.ts).
  const limiter =
    options.limiter ??
    createRateLimiter({
      capacity: 5,
      refillPerMinute: 0.5,
      unknownCapacity: 50,
      unknownRefillPerMinute: 10,
      globalCapacity: 120,
      globalRefillPerMinute: 120,
      now: s.now,
    });

  const page = async (
    c: Context,
    accountId: string,
    state: OptOutState,
    status: 200 | 400 | 403 | 429,
    email?: string,
  ) => {
    c.header('Cache-Control', 'no-store');
    c.header('X-Robots-Tag', 'noindex');
    const token = await issueOptOutToken(s.config.secrets.sessionSecret, accountId, s.now());
    const html = renderPage(OptOutPage({ mode: s.config.mode, action: `/opt-out/${accountId}`, token, state, email }));
    return c.html(html, status);
  };

  return new Hono()
    .get('/:accountId', async (c) => {
      const accountId = c.req.param('accountId');
      if (!ACCOUNT_ID.test(accountId)) return c.json(errorBody(c, 'not_found', 'No such page.'), 404);
      return page(c, accountId, 'form', 200);
    })
    .post('/:accountId', formBodyLimit(4 * 1024), async (c) => {
      const accountId = c.req.param('accountId');
      if (!ACCOUNT_ID.test(accountId)) return c.json(errorBody(c, 'not_found', 'No such page.'), 404);

      const origin = checkSameOrigin(c.req.header('origin'), c.req.header('referer'), s.config.appUrl);
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const token = origin.ok
        ? await checkOptOutToken(s.config.secrets.sessionSecret, accountId, form.token, s.now())
        : origin;
      if (!token.ok) {
        s.logger.warn('opt_out.refused', { reason: token.reason });
        return page(c, accountId, 'expired', 403);
      }

      // Counted only once the form is genuine, so forged posts cannot use up everyone's budget. The
      // address is the runtime's (CF-Connecting-IP on Workers, the socket on Node), never
      // X-Forwarded-For or X-Real-IP, which the client writes itself.
      const turn = await limiter.take(clientAddress(c), accountId);
      if (!turn.ok) {
        s.logger.warn('opt_out.rate_limited');
        c.header('Retry-After', String(turn.retryAfterSeconds));
        return page(c, accountId, 'rate_limited', 429);
      }

      const email = parseOptOutEmail(form.email);
      if (!email.ok)
        return page(c, accountId, 'invalid_email', 400, typeof form.email === 'string' ? form.email.slice(0, 254) : '');

      await recordOptOut(s.db, s.config.secrets.hashKey, accountId, email.email, s.now());
      s.logger.info('opt_out.recorded');
      return page(c, accountId, 'done', 200);
    });
}
