import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { toBase64Url } from '../crypto/encoding';
import { eq, sql } from 'drizzle-orm';
import { getAccount, type Account } from '../db/accounts';
import { accounts } from '../db/schema';
import type { Services } from '../services';
import { clearCookie, readSignedJson, writeSignedJson, type SignedCookieOptions } from './signed-cookie';

/**
 * The merchant's session: a signed cookie naming the account, with a CSRF token of its own. It
 * holds no mail or store data. A new session (new id, new CSRF token) is issued at every sign-in,
 * so a cookie planted before sign-in is worthless after it. The cookie carries the account's
 * session epoch: signing out, disconnecting Gmail or deleting the account bumps it, which ends
 * every copy of every cookie issued before, not just the one in this browser.
 */
export interface Session {
  sid: string;
  accountId: string;
  csrf: string;
  epoch: number;
}

export interface SessionVars {
  session: Session;
  /** The signed-in account, as read when the session was checked. */
  account: Account;
}

const SESSION_DAYS = 7;

function cookieOptions(s: Services): SignedCookieOptions {
  return {
    name: 'dl_session',
    secret: s.config.secrets.sessionSecret,
    // Always Secure in live mode, whatever APP_URL says; over https in the sandbox.
    secure: s.config.mode === 'live' || s.config.appUrl.startsWith('https:'),
    maxAgeSeconds: SESSION_DAYS * 86_400,
  };
}

const randomToken = () => toBase64Url(crypto.getRandomValues(new Uint8Array(24)));

export async function startSession(c: Context, s: Services, accountId: string): Promise<Session> {
  const epoch = (await getAccount(s.db, accountId))?.sessionEpoch ?? 0;
  const session: Session = { sid: randomToken(), accountId, csrf: randomToken(), epoch };
  await writeSignedJson(c, cookieOptions(s), session, s.now());
  return session;
}

export async function readSession(c: Context, s: Services): Promise<Session | null> {
  const value = await readSignedJson<Partial<Session>>(c, cookieOptions(s), s.now());
  if (
    !value ||
    typeof value.accountId !== 'string' ||
    typeof value.csrf !== 'string' ||
    typeof value.sid !== 'string' ||
    typeof value.epoch !== 'number'
  )
    return null;
  return { sid: value.sid, accountId: value.accountId, csrf: value.csrf, epoch: value.epoch };
}

/** Ends this browser's session and, given the account, every session of that account everywhere. */
export async function endSession(c: Context, s: Services, accountId?: string): Promise<void> {
  clearCookie(c, cookieOptions(s));
  if (accountId) await endAllSessions(s, accountId);
}

export async function endAllSessions(s: Services, accountId: string): Promise<void> {
  await s.db
    .update(accounts)
    .set({ sessionEpoch: sql`${accounts.sessionEpoch} + 1` })
    .where(eq(accounts.id, accountId));
}

/** The signed-in account, when the cookie is valid and still current (its epoch not ended). */
export async function currentSession(c: Context, s: Services): Promise<{ session: Session; account: Account } | null> {
  const session = await readSession(c, s);
  const account = session && (await getAccount(s.db, session.accountId));
  if (!session || !account || account.sessionEpoch !== session.epoch) return null;
  return { session, account };
}

/**
 * Pages behind sign-in. A missing, forged or expired session, or one whose account is gone,
 * sends the browser to the home page to sign in again.
 */
export function requireSession(s: Services): MiddlewareHandler<{ Variables: SessionVars }> {
  return createMiddleware<{ Variables: SessionVars }>(async (c, next) => {
    const current = await currentSession(c, s);
    if (!current) {
      await endSession(c, s);
      return c.redirect('/?notice=signin_required', 303);
    }
    c.set('session', current.session);
    c.set('account', current.account);
    await next();
  });
}
