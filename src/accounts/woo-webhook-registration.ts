import { toBase64Url } from '../crypto/encoding';
import { getStoreConnection, type StoreConnection, updateStoreConnectionIfCurrent } from '../db/accounts';
import { openStoreCredentials, sealedAs } from '../db/sealed';
import { claimWooSetup, parseWebhookIds, saveWooWebhookHealth } from '../db/store-connections';
import { errorClass } from '../platform/log';
import type { Services } from '../services';
import { verifyWooKeys } from '../stores/woocommerce-connect';
import {
  createWooWebhooks,
  deleteWooWebhooks,
  WooWebhookError,
  type WooWebhooksApi,
  type WooWebhookStatus,
  wooWebhooksClient,
} from '../stores/woocommerce-webhooks';

/**
 * Our webhooks in a connected WooCommerce store, as the account's store connection records them:
 * registered when a store is connected (or its setup finished after WooCommerce's key delivery),
 * removed when it is replaced or disconnected. Each store gets its own signing secret, generated
 * here and kept sealed in store_connections.sealed_webhook_secret. The calls to the store are
 * stores/woocommerce-webhooks.ts; keeping them working is pipeline/woo-store-repair.ts.
 */

export const wooDeliveryUrl = (s: Services) => `${s.config.appUrl}/webhooks/woocommerce`;

/** Webhook calls for this connection's store, with its credentials unsealed. */
export async function webhooksClientFor(s: Services, connection: StoreConnection): Promise<WooWebhooksApi> {
  const { sealedCredentials } = connection;
  if (!sealedCredentials) throw new WooWebhookError(0, 'no_credentials');
  const credentials = await openStoreCredentials(s, { id: connection.id, sealedCredentials });
  if (credentials.kind !== 'woocommerce') throw new WooWebhookError(0, 'not_woocommerce');
  const { consumerKey, consumerSecret } = credentials;
  return wooWebhooksClient({ storeUrl: connection.storeDomain, consumerKey, consumerSecret, fetch: s.fetch });
}

export interface WebhookSecret {
  secret: string;
  sealed: string;
  /** Newly made: webhooks already in the store still sign with the old one and must be given it. */
  fresh: boolean;
}

export async function webhookSecretFor(s: Services, connection: StoreConnection): Promise<WebhookSecret> {
  if (connection.sealedWebhookSecret) {
    const secret = await s.sealer.open(connection.sealedWebhookSecret, sealedAs.webhookSecret(connection.id));
    return { secret, sealed: connection.sealedWebhookSecret, fresh: false };
  }
  const secret = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { secret, sealed: await s.sealer.seal(secret, sealedAs.webhookSecret(connection.id)), fresh: true };
}

export interface WooWebhookHealth {
  status: WooWebhookStatus;
  webhookIds: number[];
}

/**
 * Registers our webhooks in a newly connected store. Never throws: a store that refuses (read-only
 * key, unreachable, plugin conflict) is marked 'failing' for the status page, and the cron retries.
 */
export async function registerWooWebhooks(s: Services, connection: StoreConnection): Promise<WooWebhookHealth> {
  if (connection.kind !== 'woocommerce') return { status: 'failing', webhookIds: [] };
  let secret: WebhookSecret;
  try {
    secret = await webhookSecretFor(s, connection);
  } catch (err) {
    s.logger.warn('woo_webhooks.register_failed', { accountId: connection.accountId, errorClass: errorClass(err) });
    return { status: 'failing', webhookIds: [] };
  }
  const ids = parseWebhookIds(connection.webhookIds);
  // Boxed, so that whatever was thrown (even null or undefined) counts as a failure.
  let failure: { error: unknown } | null = null;
  try {
    const api = await webhooksClientFor(s, connection);
    const made = await createWooWebhooks(api, { deliveryUrl: wooDeliveryUrl(s), secret: secret.secret });
    ids.push(...made.created);
    if (!made.ok) failure = { error: made.error };
  } catch (err) {
    failure = { error: err };
  }
  const status: WooWebhookStatus = failure ? 'failing' : 'active';
  if (failure)
    s.logger.warn('woo_webhooks.register_failed', {
      accountId: connection.accountId,
      errorClass: errorClass(failure.error),
    });
  await saveWooWebhookHealth(
    s.db,
    connection.id,
    { sealedWebhookSecret: secret.sealed, webhookIds: ids, webhookStatus: status },
    s.now(),
  );
  return { status, webhookIds: ids };
}

/**
 * Deletes the webhooks we registered (for the disconnect flow). Never throws; returns how many
 * went and how many could not be removed (the merchant can delete those under WooCommerce ›
 * Settings › Advanced › Webhooks). A webhook already gone counts as removed.
 */
export async function removeWooWebhooks(
  s: Services,
  connection: StoreConnection,
): Promise<{ removed: number; failed: number }> {
  const ids = parseWebhookIds(connection.webhookIds);
  if (connection.kind !== 'woocommerce' || !ids.length) return { removed: 0, failed: 0 };
  const warn = (err: unknown) =>
    s.logger.warn('woo_webhooks.remove_failed', { accountId: connection.accountId, errorClass: errorClass(err) });
  let left: number[];
  try {
    const api = await webhooksClientFor(s, connection);
    const result = await deleteWooWebhooks(api, ids);
    left = result.left;
    result.errors.forEach(warn);
  } catch (err) {
    left = [...ids];
    warn(err);
  }
  await saveWooWebhookHealth(
    s.db,
    connection.id,
    {
      ...(left.length ? {} : { sealedWebhookSecret: null }),
      webhookIds: left.length ? left : null,
      webhookStatus: left.length ? 'failing' : null,
    },
    s.now(),
  );
  return { removed: ids.length - left.length, failed: left.length };
}

// --- Setup after WooCommerce's key delivery ------------------------------------------------------

/**
 * How finishing a store's setup went: 'active'/'failing' are its webhooks once registered;
 * 'rejected' or 'moved' the keys did not work at the store's address (the connection now needs a
 * reconnect); 'unreachable' try again later; 'busy' another run holds it; 'none' nothing to finish.
 */
export type WooSetupOutcome = 'active' | 'failing' | 'rejected' | 'moved' | 'unreachable' | 'busy' | 'none';

/** A claim on a setup older than this is taken over: the run holding it is gone. */
export const WOO_SETUP_CLAIM_MS = 2 * 60_000;

/**
 * Finishes connecting a store whose keys arrived through WooCommerce's authorize callback. That
 * callback is answered before any request back into the store (WooCommerce waits for it, and a
 * host with one PHP worker cannot answer us meanwhile; see acceptWooKeyDelivery), so the
 * connection is stored with its webhook status unset, and this does the rest: one read to check
 * the keys, then our webhooks registered. Run by the merchant's return from the authorize screen,
 * and by the cron for a merchant who never came back. A conditional UPDATE claims the run, so two
 * never overlap.
 */
export async function finishWooSetup(s: Services, accountId: string): Promise<WooSetupOutcome> {
  const now = s.now();
  const row = await claimWooSetup(s.db, accountId, now, now - WOO_SETUP_CLAIM_MS);
  if (!row) {
    const current = await getStoreConnection(s.db, accountId);
    return current?.kind === 'woocommerce' && current.status === 'active' && current.webhookStatus === null
      ? 'busy'
      : 'none';
  }
  const credentials = await openStoreCredentials(s, { id: row.id, sealedCredentials: row.sealedCredentials! });
  if (credentials.kind !== 'woocommerce') return 'none';
  const check = await verifyWooKeys(s.fetch, row.storeDomain, credentials.consumerKey, credentials.consumerSecret);
  if (!check.ok) {
    s.logger.warn('store.woo_setup_failed', { accountId, reason: check.reason });
    // Unreachable: the claim lapses and the next run tries again. Otherwise the merchant must reconnect
    // (unless the connection was replaced meanwhile: only the keys checked are marked).
    if (check.reason === 'unreachable') return 'unreachable';
    await updateStoreConnectionIfCurrent(
      s.db,
      row.id,
      { sealedCredentials: row.sealedCredentials! },
      { status: 'reconnect_needed' },
    );
    return check.reason === 'moved' ? 'moved' : 'rejected';
  }
  const { status } = await registerWooWebhooks(s, row);
  s.logger.info('store.woo_setup_done', { accountId, reason: status });
  return status === 'failing' ? 'failing' : 'active';
}
