import { getStoreConnection, type StoreConnection } from '../db/accounts';
import type { StoreCredentials } from '../db/sealed';
import { parseWebhookIds } from '../db/store-connections';
import { ok, type Result, refused } from '../platform/result';
import type { Services } from '../services';
import { exchangeInstallCode, ShopifyInstallError, type ShopifyInstallConfig } from '../stores/shopify-install';
import {
  checkStoreUrl,
  verifyWooKeys,
  WOO_CONSUMER_KEY,
  WOO_CONSUMER_SECRET,
  WooKeyDelivery,
} from '../stores/woocommerce-connect';
import { finishWooSetup, removeWooWebhooks } from './woo-webhook-registration';
import { connectStore, replaceStoreConnection } from './connect';
import { consumeStoreNonce, finishStoreNonce } from './store-nonces';
import { setPaused } from './settings';

const KEY_CHECK_NOTICE = {
  rejected: 'store_keys_rejected',
  moved: 'store_moved',
  unreachable: 'store_unreachable',
} as const;

/** The store half of setup: each way of connecting ends in connectStore() with verified credentials. */

export function shopifyInstallConfig(s: Services): ShopifyInstallConfig {
  const { apiKey, apiSecret, apiVersion, apiUrl, readAllOrders } = s.config.shopify;
  return { apiKey, apiSecret, apiVersion, appUrl: s.config.appUrl, apiUrl, fetch: s.fetch, readAllOrders, now: s.now };
}

export type ConnectResult = Result<
  object,
  | 'shopify_failed'
  | 'store_url_invalid'
  | 'store_keys_malformed'
  | 'store_keys_rejected'
  | 'store_moved'
  | 'store_unreachable'
>;

export async function connectShopify(
  s: Services,
  accountId: string,
  input: { shop: string; code: string },
): Promise<ConnectResult> {
  try {
    // The expiring token's whole set (access and refresh tokens, their expiries) is sealed together.
    const { credentials, scopes } = await exchangeInstallCode(shopifyInstallConfig(s), input);
    const previous = await getStoreConnection(s.db, accountId);
    await connectStore(s, { accountId, storeDomain: input.shop, credentials, scopes: scopes.join(',') });
    // app/uninstalled paused drafting; installing again is the merchant saying "carry on".
    if (previous?.status === 'uninstalled') await setPaused(s, accountId, false);
    s.logger.info('store.connected', { accountId, reason: 'shopify' });
    return ok();
  } catch (err) {
    if (!(err instanceof ShopifyInstallError)) throw err;
    s.logger.warn('store.shopify_install_failed', { accountId, reason: err.reason, status: err.status });
    return refused('shopify_failed');
  }
}

/** A refused delivery carries the HTTP status WooCommerce is answered with. */
export type KeyDeliveryResult = Result<
  object,
  'invalid_body' | 'unknown_nonce' | 'read_permission_required',
  { status: 400 | 403 | 422 }
>;

/**
 * WooCommerce's server-to-server key delivery to our callback_url. Accepted only for a live,
 * unused nonce that we issued, for the store URL recorded with that nonce (never a URL from the
 * request).
 *
 * It is answered without a single request back into the store. WooCommerce (WC_Auth) POSTs the
 * keys and waits for our answer while holding the PHP worker that serves the merchant; on a host
 * with one worker, a request from us to that store (checking the keys, registering webhooks,
 * whose creation pings us again) waits for that same worker: the callback times out, and a
 * non-200 answer makes WooCommerce delete the keys. So the keys are stored (sealed) at once and
 * answered 200; finishWooSetup checks them and registers the webhooks afterwards, when the
 * merchant's browser comes back (wooReturnNotice) or, failing that, from the cron. `defer` runs
 * work after the answer (Workers: waitUntil): the webhooks of the connection replaced are removed
 * there, with its own keys.
 */
export async function acceptWooKeyDelivery(
  s: Services,
  body: unknown,
  defer: (task: () => Promise<unknown>) => void,
): Promise<KeyDeliveryResult> {
  const delivery = WooKeyDelivery.safeParse(body);
  if (!delivery.success) return refused('invalid_body', { status: 400 });
  const nonce = await consumeStoreNonce(s, delivery.data.user_id);
  if (!nonce) return refused('unknown_nonce', { status: 403 });
  if (delivery.data.key_permissions === 'write') return refused('read_permission_required', { status: 422 });
  // read_write is what we ask for (webhooks need it); a read-only key still connects, and the
  // status page then shows the customer-deletion webhook as failing.
  const { consumer_key: consumerKey, consumer_secret: consumerSecret } = delivery.data;
  const previous = await stageWooConnection(s, {
    accountId: nonce.accountId,
    storeUrl: nonce.storeUrl,
    credentials: { kind: 'woocommerce', consumerKey, consumerSecret },
    scopes: delivery.data.key_permissions,
  });
  if (previous) defer(() => removeWooWebhooks(s, previous));
  s.logger.info('store.connected', { accountId: nonce.accountId, reason: 'woocommerce_pending_setup' });
  return ok();
}

/**
 * Stores delivered WooCommerce keys as the account's store connection, replacing the old one in one
 * batch as connectStore does, but with no request to any store: webhook status unset (setup not
 * finished). Returns the replaced connection when it has webhooks of ours to remove.
 */
async function stageWooConnection(
  s: Services,
  input: {
    accountId: string;
    storeUrl: string;
    credentials: StoreCredentials & { kind: 'woocommerce' };
    scopes: string;
  },
): Promise<StoreConnection | null> {
  const { previous } = await replaceStoreConnection(s, { ...input, storeDomain: input.storeUrl });
  return previous?.kind === 'woocommerce' && parseWebhookIds(previous.webhookIds).length ? previous : null;
}

/** The fallback: read-only keys pasted by the merchant, verified the same way. */
export async function connectWooWithKeys(
  s: Services,
  accountId: string,
  input: { storeUrl: string; consumerKey: string; consumerSecret: string },
): Promise<ConnectResult> {
  const url = await checkStoreUrl(input.storeUrl, { resolver: s.hostResolver, sandbox: s.config.mode === 'sandbox' });
  if (!url.ok) return refused('store_url_invalid');
  const consumerKey = input.consumerKey.trim();
  const consumerSecret = input.consumerSecret.trim();
  // Not the shape WooCommerce makes keys in: the store is not asked.
  if (!WOO_CONSUMER_KEY.test(consumerKey) || !WOO_CONSUMER_SECRET.test(consumerSecret))
    return refused('store_keys_malformed');
  const check = await verifyWooKeys(s.fetch, url.url, consumerKey, consumerSecret);
  if (!check.ok) return refused(KEY_CHECK_NOTICE[check.reason]);
  await connectStore(s, {
    accountId,
    storeDomain: url.url,
    credentials: { kind: 'woocommerce', consumerKey, consumerSecret },
    scopes: 'read',
  });
  s.logger.info('store.connected', { accountId, reason: 'woocommerce_keys' });
  return ok();
}

export type WooReturnNotice =
  | 'store_connected'
  | 'store_declined'
  | 'store_pending'
  | 'store_keys_rejected'
  | 'store_moved'
  | 'store_setup_pending';

/**
 * What the browser's return from WooCommerce's authorize screen means for this account. By now
 * WooCommerce has its answer and the PHP worker is free, so this is where the setup of delivered
 * keys is finished (finishWooSetup): 'store_setup_pending' when the store could not be reached (or
 * another run is at it), which the status page shows until the cron has finished it.
 */
export async function wooReturnNotice(
  s: Services,
  accountId: string,
  success: string | undefined,
  nonce: string | undefined,
): Promise<WooReturnNotice> {
  if (success !== '1' || !nonce) return 'store_declined';
  const state = await finishStoreNonce(s, accountId, nonce);
  if (state === 'unknown') return 'store_declined';
  const store = await getStoreConnection(s.db, accountId);
  if (state !== 'used' || store?.kind !== 'woocommerce') return 'store_pending';
  const outcome = await finishWooSetup(s, accountId);
  if (outcome === 'rejected' || (outcome === 'none' && store.status === 'reconnect_needed'))
    return 'store_keys_rejected';
  if (outcome === 'moved') return 'store_moved';
  return outcome === 'unreachable' || outcome === 'busy' ? 'store_setup_pending' : 'store_connected';
}
