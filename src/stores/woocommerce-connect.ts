import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import { z } from 'zod';
import { toBase64Url, toHex, utf8 } from '../crypto/encoding';
import { storeAuthNonces } from '../db/schema';
import type { FetchLike } from '../platform/fetch';
import { checkPublicHost, type HostResolver } from '../platform/public-host';
import type { Services } from '../services';
import { createWooCommerceOrderSource } from './woocommerce';

/**
 * Connecting a WooCommerce store. Two ways, both ending in read-only REST keys we verify with one
 * call before keeping them (sealed):
 * 1. WooCommerce's own authorize endpoint (/wc-auth/v1/authorize): the store owner approves, and
 *    the store POSTs the keys to our callback_url with the one-time nonce we sent as user_id.
 * 2. Pasting a read-only consumer key and secret created under WooCommerce → Settings → Advanced.
 */

const NONCE_TTL_MS = 15 * 60_000;

export type StoreUrlCheck =
  | { ok: true; url: string }
  | { ok: false; reason: 'invalid_url' | 'not_https' | 'private_address' | 'unresolvable' };

/**
 * A store URL as typed: https only (WooCommerce's authorize flow requires it), no credentials, query
 * or fragment, and a host on the public internet. The sandbox, which lives on localhost, is the
 * one exception, and only in sandbox mode.
 */
export async function checkStoreUrl(
  input: string,
  opts: { resolver: HostResolver; sandbox: boolean },
): Promise<StoreUrlCheck> {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(input.trim()) ? input.trim() : `https://${input.trim()}`);
  } catch {
    return { ok: false, reason: 'invalid_url' };
  }
  if (url.username || url.password || !url.hostname) return { ok: false, reason: 'invalid_url' };
  const normal = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  if (opts.sandbox)
    return url.protocol === 'https:' || url.protocol === 'http:'
      ? { ok: true, url: normal }
      : { ok: false, reason: 'invalid_url' };
  if (url.protocol !== 'https:') return { ok: false, reason: 'not_https' };
  const host = await checkPublicHost(url.hostname, opts.resolver);
  return host.public ? { ok: true, url: normal } : { ok: false, reason: host.reason };
}

const sha256Hex = async (text: string) =>
  toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text) as BufferSource)));

/** A one-time nonce for the authorize round trip; only its hash is stored, for 15 minutes. */
export async function createStoreNonce(s: Services, accountId: string, storeUrl: string): Promise<string> {
  const nonce = toBase64Url(crypto.getRandomValues(new Uint8Array(24)));
  await s.db
    .insert(storeAuthNonces)
    .values({ nonceHash: await sha256Hex(nonce), accountId, storeUrl, expiresAt: s.now() + NONCE_TTL_MS });
  return nonce;
}

/** Marks the nonce used, in one statement, and returns what it was for; null when unknown, used or expired. */
export async function consumeStoreNonce(
  s: Services,
  nonce: string,
): Promise<{ accountId: string; storeUrl: string } | null> {
  const [row] = await s.db
    .update(storeAuthNonces)
    .set({ usedAt: s.now() })
    .where(
      and(
        eq(storeAuthNonces.nonceHash, await sha256Hex(nonce)),
        isNull(storeAuthNonces.usedAt),
        gt(storeAuthNonces.expiresAt, s.now()),
      ),
    )
    .returning({ accountId: storeAuthNonces.accountId, storeUrl: storeAuthNonces.storeUrl });
  return row ?? null;
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
  const where = and(eq(storeAuthNonces.nonceHash, await sha256Hex(nonce)), eq(storeAuthNonces.accountId, accountId));
  const row = await s.db.query.storeAuthNonces.findFirst({ where });
  if (!row) return 'unknown';
  if (!row.usedAt) return 'waiting';
  await s.db.delete(storeAuthNonces).where(where);
  return 'used';
}

/** Nonces past their 15 minutes, used or not: nothing to keep them for (run by the cron). */
export async function purgeExpiredStoreNonces(s: Services): Promise<number> {
  const result = await s.db.delete(storeAuthNonces).where(lt(storeAuthNonces.expiresAt, s.now()));
  return result.rowsAffected;
}

export function buildWooAuthorizeUrl(opts: {
  storeUrl: string;
  appUrl: string;
  nonce: string;
  mailbox: string | null;
}): string {
  const url = new URL(`${opts.storeUrl}/wc-auth/v1/authorize`);
  // WooCommerce shows app_name on its approval screen. Naming the mailbox the keys will serve lets
  // a store owner spot an approval link someone else started (the nonce binds keys to the account
  // that asked, not to the person who approves).
  url.searchParams.set('app_name', opts.mailbox ? `Draftline for ${opts.mailbox}` : 'Draftline');
  // read_write, not read: WooCommerce has no narrower permission that lets an app register webhooks,
  // and the customer.deleted webhook is how we learn of erasures. Draftline only ever reads orders
  // and manages its own webhooks.
  url.searchParams.set('scope', 'read_write');
  url.searchParams.set('user_id', opts.nonce);
  url.searchParams.set('return_url', `${opts.appUrl}/connect/woocommerce/return`);
  url.searchParams.set('callback_url', `${opts.appUrl}/connect/woocommerce/callback`);
  return url.toString();
}

/** What WooCommerce POSTs to callback_url (WC_Auth::create_keys). */
/** WooCommerce REST API keys as WooCommerce makes them. */
export const WOO_CONSUMER_KEY = /^ck_[A-Za-z0-9]{20,64}$/;
export const WOO_CONSUMER_SECRET = /^cs_[A-Za-z0-9]{20,64}$/;

export const WooKeyDelivery = z.object({
  key_id: z.coerce.number().int().positive(),
  user_id: z.coerce.string().min(1).max(200),
  consumer_key: z.string().regex(WOO_CONSUMER_KEY),
  consumer_secret: z.string().regex(WOO_CONSUMER_SECRET),
  key_permissions: z.enum(['read', 'write', 'read_write']),
});

export type KeyCheck = { valid: true } | { valid: false; reason: 'rejected' | 'moved' | 'unreachable' };

/** One read call with the keys: proves they work and can read orders. */
export async function verifyWooKeys(
  fetch: FetchLike,
  storeUrl: string,
  consumerKey: string,
  consumerSecret: string,
): Promise<KeyCheck> {
  try {
    await createWooCommerceOrderSource({ storeUrl, consumerKey, consumerSecret, fetch, maxPages: 1 }).findByNumber('1');
    return { valid: true };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'unauthorized' || code === 'forbidden' || code === 'not_found')
      return { valid: false, reason: 'rejected' };
    return { valid: false, reason: code === 'redirected' ? 'moved' : 'unreachable' };
  }
}
