import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { utf8 } from '../crypto/encoding';
import { ApiError } from './errors';
import { checkSameOrigin } from './same-origin';
import type { SessionVars } from './session';

/**
 * CSRF protection for every state-changing request behind sign-in, two layers deep: the request
 * must come from our own origin (Origin, or Referer when a browser omits Origin), and the form must
 * carry the session's CSRF token. Either alone is refused with 403.
 */
export function csrfProtection(appUrl: string): MiddlewareHandler<{ Variables: SessionVars }> {
  return createMiddleware<{ Variables: SessionVars }>(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    if (!checkSameOrigin(c.req.header('origin'), c.req.header('referer'), appUrl).ok) {
      throw new ApiError(403, 'csrf_origin', 'This form was not sent from Draftline.');
    }
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = form.csrf;
    if (typeof token !== 'string' || !sameToken(token, c.get('session').csrf)) {
      throw new ApiError(403, 'csrf_token', 'This form has expired. Go back, reload the page and try again.');
    }
    await next();
  });
}

/** Constant-time comparison of two short tokens. */
export function sameToken(a: string, b: string): boolean {
  const x = utf8(a);
  const y = utf8(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
