import { count, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { toBase64Url } from '../crypto/encoding';
import { hashAddress, hmacSha256, verifyHmacBase64 } from '../crypto/hmac';
import type { Db } from '../db/client';
import { optOuts } from '../db/schema';
import { ok, type Result, refused } from '../platform/result';

/**
 * End customers' objection to automated processing (the public /opt-out/:accountId form).
 * Only hashAddress(HASH_KEY, normalised address) is stored. The answer is the same whether or not
 * the account exists, so the form cannot be used to learn which accounts (or addresses) we know.
 */

/** Account ids as the form accepts them in its URL (ours are acc_ + 20 characters). */
export const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

const Email = z.email().max(254);

/** The link a merchant gives their customers (signature, privacy notice, auto-reply). */
export function optOutUrl(appUrl: string, accountId: string): string {
  return `${appUrl.replace(/\/+$/, '')}/opt-out/${encodeURIComponent(accountId)}`;
}

/** How many people objected, for the privacy page and the data export; who they are is not known to us. */
export async function countOptOuts(db: Db, accountId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(optOuts).where(eq(optOuts.accountId, accountId));
  return row?.n ?? 0;
}

export function parseOptOutEmail(value: unknown): Result<{ email: string }, 'invalid_email'> {
  const email = typeof value === 'string' ? value.trim() : '';
  return Email.safeParse(email).success ? ok({ email }) : refused('invalid_email');
}

/**
 * Stores the opt-out in one statement that does nothing for an unknown account, so both cases take
 * the same path and the same time. Submitting twice is harmless.
 */
export async function recordOptOut(
  db: Db,
  hashKey: string,
  accountId: string,
  email: string,
  now: number,
): Promise<void> {
  const addressHash = await hashAddress(hashKey, email);
  await db.run(
    sql`INSERT OR IGNORE INTO opt_outs (account_id, address_hash, created_at)
        SELECT ${accountId}, ${addressHash}, ${now} WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ${accountId})`,
  );
}

/**
 * The form's anti-forgery token: `<issued ms>.<HMAC(sessionSecret, "opt-out:" accountId ":" issued)>`.
 * The form is public (no session to bind to), so the token binds the submission to the account and
 * to a recent visit of our page; together with the Origin check it stops cross-site posting.
 */
export const OPT_OUT_TOKEN_TTL_MS = 2 * 60 * 60_000;
const CLOCK_SKEW_MS = 60_000;

const tokenData = (accountId: string, issuedAt: number) => `opt-out:${accountId}:${issuedAt}`;

export async function issueOptOutToken(secret: string, accountId: string, now: number): Promise<string> {
  return `${now}.${toBase64Url(await hmacSha256(secret, tokenData(accountId, now)))}`;
}

export async function checkOptOutToken(
  secret: string,
  accountId: string,
  token: unknown,
  now: number,
): Promise<Result<object, 'missing_token' | 'malformed_token' | 'expired_token' | 'bad_token'>> {
  if (typeof token !== 'string' || token.length > 200) return refused('missing_token');
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return refused('malformed_token');
  const issuedAt = Number(match[1]);
  if (issuedAt > now + CLOCK_SKEW_MS || now - issuedAt > OPT_OUT_TOKEN_TTL_MS) return refused('expired_token');
  // verifyHmacBase64 compares in constant time.
  const signed = await verifyHmacBase64(secret, tokenData(accountId, issuedAt), match[2]!);
  return signed ? ok() : refused('bad_token');
}
