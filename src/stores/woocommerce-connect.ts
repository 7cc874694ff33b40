import { z } from 'zod';
import type { FetchLike } from '../platform/fetch';
import { ok, type Result, refused } from '../platform/result';
import { checkPublicHost, type HostResolver } from '../platform/public-host';
import { connectedStoreUrl, parseStoreUrl } from './store-url';
import { createWooCommerceOrderSource } from './woocommerce';

/**
 * Connecting a WooCommerce store. Two ways, both ending in read-only REST keys we verify with one
 * call before keeping them (sealed):
 * 1. WooCommerce's own authorize endpoint (/wc-auth/v1/authorize): the store owner approves, and
 *    the store POSTs the keys to our callback_url with the one-time nonce we sent as user_id
 *    (accounts/store-nonces.ts).
 * 2. Pasting a read-only consumer key and secret created under WooCommerce → Settings → Advanced.
 */

export type StoreUrlCheck = Result<{ url: string }, 'invalid_url' | 'not_https' | 'private_address' | 'unresolvable'>;

/**
 * A store URL as typed: https only (WooCommerce's authorize flow requires it), no credentials, query
 * or fragment, and a host on the public internet. The sandbox, which lives on localhost, is the
 * one exception, and only in sandbox mode.
 */
export async function checkStoreUrl(
  input: string,
  opts: { resolver: HostResolver; sandbox: boolean },
): Promise<StoreUrlCheck> {
  const url = parseStoreUrl(input);
  if (!url) return refused('invalid_url');
  if (url.username || url.password || !url.hostname) return refused('invalid_url');
  const normal = connectedStoreUrl(url);
  if (opts.sandbox)
    return url.protocol === 'https:' || url.protocol === 'http:' ? ok({ url: normal }) : refused('invalid_url');
  if (url.protocol !== 'https:') return refused('not_https');
  const host = await checkPublicHost(url.hostname, opts.resolver);
  return host.ok ? ok({ url: normal }) : refused(host.reason);
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

export type KeyCheck = Result<object, 'rejected' | 'moved' | 'unreachable'>;

/** One read call with the keys: proves they work and can read orders. */
export async function verifyWooKeys(
  fetch: FetchLike,
  storeUrl: string,
  consumerKey: string,
  consumerSecret: string,
): Promise<KeyCheck> {
  try {
    await createWooCommerceOrderSource({ storeUrl, consumerKey, consumerSecret, fetch, maxPages: 1 }).findByNumber('1');
    return ok();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'unauthorized' || code === 'forbidden' || code === 'not_found') return refused('rejected');
    return refused(code === 'redirected' ? 'moved' : 'unreachable');
  }
}
