import { getStoreConnection } from '../db/accounts';
import type { Services } from '../services';
import { exchangeInstallCode, ShopifyInstallError, type ShopifyInstallConfig } from '../stores/shopify-install';
import {
  checkStoreUrl,
  consumeStoreNonce,
  finishStoreNonce,
  verifyWooKeys,
  WOO_CONSUMER_KEY,
  WOO_CONSUMER_SECRET,
  WooKeyDelivery,
} from '../stores/woocommerce-connect';
import { connectStore } from './connect';
import { setPaused } from './settings';

const KEY_CHECK_NOTICE = { rejected: 'store_keys_rejected', moved: 'store_moved', unreachable: 'store_unreachable' } as const;

/** The store half of setup: each way of connecting ends in connectStore() with verified credentials. */

export function shopifyInstallConfig(s: Services): ShopifyInstallConfig {
  const { apiKey, apiSecret, apiVersion, apiUrl } = s.config.shopify;
  return { apiKey, apiSecret, apiVersion, appUrl: s.config.appUrl, apiUrl, fetch: s.fetch };
}

export type ConnectResult = { ok: true } | { ok: false; reason: 'shopify_failed' | 'store_url_invalid' | 'store_keys_rejected' | 'store_moved' | 'store_unreachable' };

export async function connectShopify(s: Services, accountId: string, input: { shop: string; code: string }): Promise<ConnectResult> {
  try {
    const { accessToken, scopes } = await exchangeInstallCode(shopifyInstallConfig(s), input);
    const previous = await getStoreConnection(s.db, accountId);
    await connectStore(s, { accountId, storeDomain: input.shop, credentials: { kind: 'shopify', accessToken }, scopes: scopes.join(',') });
    // app/uninstalled paused drafting; installing again is the merchant saying "carry on".
    if (previous?.status === 'uninstalled') await setPaused(s, accountId, false);
    s.logger.info('store.connected', { accountId, reason: 'shopify' });
    return { ok: true };
  } catch (err) {
    if (!(err instanceof ShopifyInstallError)) throw err;
    s.logger.warn('store.shopify_install_failed', { accountId, reason: err.reason, status: err.status });
    return { ok: false, reason: 'shopify_failed' };
  }
}

export type KeyDeliveryResult =
  | { ok: true }
  | { ok: false; status: 400 | 403 | 422 | 502; code: 'invalid_body' | 'unknown_nonce' | 'read_permission_required' | 'keys_rejected' | 'store_unreachable' };

/**
 * WooCommerce's server-to-server key delivery to our callback_url. Accepted only for a live,
 * unused nonce that we issued, and only after the keys work against the store URL recorded with
 * that nonce (never a URL from the request).
 */
export async function acceptWooKeyDelivery(s: Services, body: unknown): Promise<KeyDeliveryResult> {
  const delivery = WooKeyDelivery.safeParse(body);
  if (!delivery.success) return { ok: false, status: 400, code: 'invalid_body' };
  const nonce = await consumeStoreNonce(s, delivery.data.user_id);
  if (!nonce) return { ok: false, status: 403, code: 'unknown_nonce' };
  if (delivery.data.key_permissions === 'write') return { ok: false, status: 422, code: 'read_permission_required' };
  // read_write is what we ask for (webhooks need it); a read-only key still connects, and the
  // status page then shows the customer-deletion webhook as failing.
  const { consumer_key: consumerKey, consumer_secret: consumerSecret } = delivery.data;
  const check = await verifyWooKeys(s.fetch, nonce.storeUrl, consumerKey, consumerSecret);
  if (!check.valid) return { ok: false, status: check.reason === 'rejected' ? 422 : 502, code: check.reason === 'rejected' ? 'keys_rejected' : 'store_unreachable' };
  await connectStore(s, { accountId: nonce.accountId, storeDomain: nonce.storeUrl, credentials: { kind: 'woocommerce', consumerKey, consumerSecret }, scopes: delivery.data.key_permissions });
  s.logger.info('store.connected', { accountId: nonce.accountId, reason: 'woocommerce' });
  return { ok: true };
}

/** The fallback: read-only keys pasted by the merchant, verified the same way. */
export async function connectWooWithKeys(s: Services, accountId: string, input: { storeUrl: string; consumerKey: string; consumerSecret: string }): Promise<ConnectResult> {
  const url = await checkStoreUrl(input.storeUrl, { resolver: s.hostResolver, sandbox: s.config.mode === 'sandbox' });
  if (!url.ok) return { ok: false, reason: 'store_url_invalid' };
  const consumerKey = input.consumerKey.trim();
  const consumerSecret = input.consumerSecret.trim();
  if (!WOO_CONSUMER_KEY.test(consumerKey) || !WOO_CONSUMER_SECRET.test(consumerSecret)) return { ok: false, reason: 'store_keys_rejected' };
  const check = await verifyWooKeys(s.fetch, url.url, consumerKey, consumerSecret);
  if (!check.valid) return { ok: false, reason: KEY_CHECK_NOTICE[check.reason] };
  await connectStore(s, { accountId, storeDomain: url.url, credentials: { kind: 'woocommerce', consumerKey, consumerSecret }, scopes: 'read' });
  s.logger.info('store.connected', { accountId, reason: 'woocommerce_keys' });
  return { ok: true };
}

/** What the browser's return from WooCommerce's authorize screen means for this account. */
export async function wooReturnNotice(
  s: Services,
  accountId: string,
  success: string | undefined,
  nonce: string | undefined,
): Promise<'store_connected' | 'store_declined' | 'store_pending'> {
  if (success !== '1' || !nonce) return 'store_declined';
  const state = await finishStoreNonce(s, accountId, nonce);
  if (state === 'unknown') return 'store_declined';
  const store = await getStoreConnection(s.db, accountId);
  return state === 'used' && store?.kind === 'woocommerce' ? 'store_connected' : 'store_pending';
}
