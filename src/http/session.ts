import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { toBase64Url } from '../crypto/encoding';
import { getAccount, getGmailConnection } from '../db/accounts';
import type { Services } from '../services';
import { clearCookie, readSignedJson, writeSignedJson, type SignedCookieOptions } from './signed-cookie';

/**
 * The merchant's session: a signed cookie naming the account, with a CSRF token of its own. It
 * holds no mail or store data. A new session (new id, new CSRF token) is issued at every sign-in,
 * so a cookie planted before sign-in is worthless after it.
 */
export interface Session {
  sid: string;
  accountId: string;
  csrf: string;
}

export interface SessionVars {
  session: Session;
  mailbox: string | null;
}

const SESSION_DAYS = 7;

function cookieOptions(s: Services): SignedCookieOptions {
  return {
    name: 'dl_session',
    secret: s.config.secrets.sessionSecret,
    secure: s.config.appUrl.startsWith('https:'),
    maxAgeSeconds: SESSION_DAYS * 86_400,
  };
}

const randomToken = () => toBase64Url(crypto.getRandomValues(new Uint8Array(24)));

export async function startSession(c: Context, s: Services, accountId: string): Promise<Session> {
  const session: Session = { sid: randomToken(), accountId, csrf: randomToken() };
  await writeSignedJson(c, cookieOptions(s), session, s.now());
  return session;
}

export async function readSession(c: Context, s: Services): Promise<Session | null> {
  const value = await readSignedJson<Partial<Session>>(c, cookieOptions(s), s.now());
  if (!value || typeof value.accountId !== 'string' || typeof value.csrf !== 'string' || typeof value.sid !== 'string') return null;
  return { sid: value.sid, accountId: value.accountId, csrf: value.csrf };
}

export function endSession(c: Context, s: Services): void {
  clearCookie(c, cookieOptions(s));
}

/**
 * Pages behind sign-in. A missing, forged or expired session, or one whose account is gone,
 * sends the browser to the home page to sign in again.
 */
export function requireSession(s: Services): MiddlewareHandler<{ Variables: SessionVars }> {
  return createMiddleware<{ Variables: SessionVars }>(async (c, next) => {
    const session = await readSession(c, s);
    const account = session && (await getAccount(s.db, session.accountId));
    if (!session || !account) {
      endSession(c, s);
      return c.redirect('/?signed_out=1', 303);
    }
    c.set('session', session);
    c.set('mailbox', (await getGmailConnection(s.db, account.id))?.mailbox ?? null);
    await next();
  });
}
