import { toBase64Url, toHex, utf8 } from '../crypto/encoding';
import {
  deleteExpiredStoreNonces,
  deleteStoreNonce,
  findStoreNonce,
  insertStoreNonce,
  markStoreNonceUsed,
} from '../db/store-nonces';
import type { Services } from '../services';

/**
 * The one-time nonce of WooCommerce's authorize round trip (sent as user_id): issued when the
 * merchant starts, used once by the store's key delivery, done when the browser comes back. Only
 * its hash is stored, for 15 minutes.
 */

const NONCE_TTL_MS = 15 * 60_000;

const sha256Hex = async (text: string) =>
  toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text) as BufferSource)));

export async function createStoreNonce(s: Services, accountId: string, storeUrl: string): Promise<string> {
  const nonce = toBase64Url(crypto.getRandomValues(new Uint8Array(24)));
  await insertStoreNonce(s.db, {
    nonceHash: await sha256Hex(nonce),
    accountId,
    storeUrl,
    expiresAt: s.now() + NONCE_TTL_MS,
  });
  return nonce;
}

/** Marks the nonce used, in one statement, and returns what it was for; null when unknown, used or expired. */
export async function consumeStoreNonce(
  s: Services,
  nonce: string,
): Promise<{ accountId: string; storeUrl: string } | null> {
  return markStoreNonceUsed(s.db, await sha256Hex(nonce), s.now());
}

/**
 * The browser's return from the authorize screen: did this account's nonce bring keys? The nonce
 * row is deleted here, its job done. 'unknown' covers a nonce of another account or none at all.
 */
export async function finishStoreNonce(
  s: Services,
  accountId: string,
  nonce: string,
): Promise<'used' | 'waiting' | 'unknown'> {
  const nonceHash = await sha256Hex(nonce);
  const row = await findStoreNonce(s.db, accountId, nonceHash);
  if (!row) return 'unknown';
  if (!row.usedAt) return 'waiting';
  await deleteStoreNonce(s.db, accountId, nonceHash);
  return 'used';
}

/** Nonces past their 15 minutes, used or not: nothing to keep them for (run by the cron). */
export async function purgeExpiredStoreNonces(s: Services): Promise<number> {
  return deleteExpiredStoreNonces(s.db, s.now());
}
