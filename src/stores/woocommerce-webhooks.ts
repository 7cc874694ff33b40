import { and, eq, isNotNull } from 'drizzle-orm';
import { toBase64Url } from '../crypto/encoding';
import type { StoreConnection } from '../db/accounts';
import { storeConnections } from '../db/schema';
import { errorClass } from '../platform/log';
import { openStoreCredentials, sealedAs, type Services } from '../services';
import { wooRestClient } from './woocommerce';

/**
 * The webhooks Draftline keeps registered in a WooCommerce store, through REST v3
 * (/wp-json/wc/v3/webhooks). Each store gets its own signing secret, generated here and kept
 * sealed in store_connections.sealed_webhook_secret.
 *
 * WooCommerce never retries a delivery and disables a webhook after more than five consecutive
 * failures, silently. reconcileWooWebhooks (run from the cron) finds such webhooks and turns them
 * back on, or recreates them if they were deleted.
 *
 * Managing webhooks needs an API key with write permission ('read_write'); a 'read' key gets 401
 * "The API key provided does not have write permissions." and the store is marked 'failing'.
 */
export const WOO_WEBHOOK_TOPICS = ['customer.deleted'] as const;

export type WooWebhookStatus = 'active' | 'restored' | 'failing';

interface WooWebhook {
  id: number;
  status: 'active' | 'paused' | 'disabled';
  topic: string;
  delivery_url: string;
}

/** A failed webhook call: the HTTP status and WooCommerce's error code, never its message or body. */
export class WooWebhookError extends Error {
  override readonly name = 'WooWebhookError';
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`woocommerce_webhook_error status=${status} code=${code}`);
  }

  /** The webhook does not exist (any more): WooCommerce answers 404, or 400 "ID is invalid." on GET/PUT. */
  get gone(): boolean {
    return this.status === 404 || (this.status === 400 && this.code === 'woocommerce_rest_shop_webhook_invalid_id');
  }
}

export const wooDeliveryUrl = (s: Services) => `${s.config.appUrl}/webhooks/woocommerce`;

/** Webhook calls for this connection's store, through the same client as the order source (wooRestClient). */
async function webhooksClient(s: Services, connection: StoreConnection) {
  const { sealedCredentials } = connection;
  if (!sealedCredentials) throw new WooWebhookError(0, 'no_credentials');
  const credentials = await openStoreCredentials(s, { id: connection.id, sealedCredentials });
  if (credentials.kind !== 'woocommerce') throw new WooWebhookError(0, 'not_woocommerce');
  const { consumerKey, consumerSecret } = credentials;
  const api = wooRestClient({ storeUrl: connection.storeDomain, consumerKey, consumerSecret, fetch: s.fetch });
  const call = async (request: Promise<{ data: unknown }>): Promise<WooWebhook> => {
    let data: unknown;
    try {
      ({ data } = await request);
    } catch (err) {
      const response = (err as { response?: { status?: number; data?: { code?: unknown } } }).response;
      const code = typeof response?.data?.code === 'string' && /^[a-z0-9_]{1,80}$/.test(response.data.code) ? response.data.code : 'unknown';
      throw new WooWebhookError(response?.status ?? 0, response ? code : 'network');
    }
    const hook = data as Partial<WooWebhook> | null;
    if (!hook || typeof hook.id !== 'number') throw new WooWebhookError(200, 'bad_response');
    return hook as WooWebhook;
  };
  return {
    create: (body: Record<string, unknown>) => call(api.post('webhooks', body)),
    get: (id: number) => call(api.get(`webhooks/${id}`)),
    update: (id: number, body: Record<string, unknown>) => call(api.put(`webhooks/${id}`, body)),
    remove: (id: number) => call(api.delete(`webhooks/${id}`, { force: true })),
  };
}

interface WebhookSecret {
  secret: string;
  sealed: string;
  /** Newly made: webhooks already in the store still sign with the old one and must be given it. */
  fresh: boolean;
}

async function webhookSecretFor(s: Services, connection: StoreConnection): Promise<WebhookSecret> {
  if (connection.sealedWebhookSecret) {
    const secret = await s.sealer.open(connection.sealedWebhookSecret, sealedAs.webhookSecret(connection.id));
    return { secret, sealed: connection.sealedWebhookSecret, fresh: false };
  }
  const secret = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { secret, sealed: await s.sealer.seal(secret, sealedAs.webhookSecret(connection.id)), fresh: true };
}

export function parseWebhookIds(value: string | null): number[] {
  if (!value) return [];
  try {
    const ids = JSON.parse(value) as unknown;
    return Array.isArray(ids) ? ids.filter((n): n is number => Number.isSafeInteger(n) && n > 0) : [];
  } catch {
    return [];
  }
}

async function saveHealth(
  s: Services,
  connectionId: string,
  fields: { sealedWebhookSecret?: string | null; webhookIds: number[] | null; webhookStatus: WooWebhookStatus | null },
): Promise<void> {
  await s.db
    .update(storeConnections)
    .set({
      ...('sealedWebhookSecret' in fields ? { sealedWebhookSecret: fields.sealedWebhookSecret } : {}),
      webhookIds: fields.webhookIds === null ? null : JSON.stringify(fields.webhookIds),
      webhookStatus: fields.webhookStatus,
      webhookCheckedAt: s.now(),
    })
    .where(eq(storeConnections.id, connectionId));
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
  let status: WooWebhookStatus = 'active';
  try {
    const api = await webhooksClient(s, connection);
    for (const topic of WOO_WEBHOOK_TOPICS) {
      const hook = await api.create(newWebhookBody(s, topic, secret.secret));
      ids.push(hook.id);
    }
  } catch (err) {
    status = 'failing';
    s.logger.warn('woo_webhooks.register_failed', { accountId: connection.accountId, errorClass: errorClass(err) });
  }
  await saveHealth(s, connection.id, { sealedWebhookSecret: secret.sealed, webhookIds: ids, webhookStatus: status });
  return { status, webhookIds: ids };
}

const newWebhookBody = (s: Services, topic: string, secret: string) => ({
  name: `Draftline (${topic})`,
  topic,
  delivery_url: wooDeliveryUrl(s),
  secret,
  status: 'active',
});

/**
 * Deletes the webhooks we registered (for the disconnect flow). Never throws; returns how many
 * went and how many could not be removed (the merchant can delete those under WooCommerce ›
 * Settings › Advanced › Webhooks). A webhook already gone counts as removed.
 */
export async function removeWooWebhooks(s: Services, connection: StoreConnection): Promise<{ removed: number; failed: number }> {
  const ids = parseWebhookIds(connection.webhookIds);
  if (connection.kind !== 'woocommerce' || !ids.length) return { removed: 0, failed: 0 };
  const left: number[] = [];
  try {
    const api = await webhooksClient(s, connection);
    for (const id of ids) {
      try {
        await api.remove(id);
      } catch (err) {
        if (!(err instanceof WooWebhookError && err.gone)) {
          left.push(id);
          s.logger.warn('woo_webhooks.remove_failed', { accountId: connection.accountId, errorClass: errorClass(err) });
        }
      }
    }
  } catch (err) {
    left.push(...ids);
    s.logger.warn('woo_webhooks.remove_failed', { accountId: connection.accountId, errorClass: errorClass(err) });
  }
  await saveHealth(s, connection.id, {
    ...(left.length ? {} : { sealedWebhookSecret: null }),
    webhookIds: left.length ? left : null,
    webhookStatus: left.length ? 'failing' : null,
  });
  return { removed: ids.length - left.length, failed: left.length };
}

export interface ReconcileSummary {
  checked: number;
  active: number;
  restored: number;
  failing: number;
}

/**
 * For every active WooCommerce connection: check each registered webhook (GET /webhooks/{id}).
 * Disabled (by WooCommerce, after repeated failures) → turned back on with our URL and secret;
 * deleted → recreated; paused (by the merchant, on purpose) → left alone and reported 'failing' so
 * the status page can ask them. Updates webhook_status and webhook_checked_at.
 */
export async function reconcileWooWebhooks(s: Services): Promise<ReconcileSummary> {
  const rows = await s.db.query.storeConnections.findMany({
    where: and(eq(storeConnections.kind, 'woocommerce'), eq(storeConnections.status, 'active'), isNotNull(storeConnections.sealedCredentials)),
  });
  const summary: ReconcileSummary = { checked: 0, active: 0, restored: 0, failing: 0 };
  for (const row of rows) {
    const status = await reconcileOne(s, row);
    summary.checked++;
    summary[status]++;
  }
  s.logger.info('woo_webhooks.reconciled', { count: summary.checked });
  if (summary.restored) s.logger.warn('woo_webhooks.restored', { count: summary.restored });
  if (summary.failing) s.logger.warn('woo_webhooks.failing', { count: summary.failing });
  return summary;
}

async function reconcileOne(s: Services, row: StoreConnection): Promise<WooWebhookStatus> {
  const ids = parseWebhookIds(row.webhookIds);
  const kept: number[] = [];
  const gone = new Set<number>();
  let restored = false;
  let failing = false;
  let secret: WebhookSecret | undefined;
  try {
    secret = await webhookSecretFor(s, row);
    const api = await webhooksClient(s, row);
    const covered = new Set<string>();
    for (const id of ids) {
      let hook: WooWebhook;
      try {
        hook = await api.get(id);
      } catch (err) {
        if (!(err instanceof WooWebhookError && err.gone)) throw err;
        gone.add(id); // recreated below, under a new id
        continue;
      }
      kept.push(id);
      covered.add(hook.topic);
      if (hook.status === 'paused') {
        failing = true;
      } else if (hook.status !== 'active' || hook.delivery_url !== wooDeliveryUrl(s) || secret.fresh) {
        await api.update(id, { status: 'active', delivery_url: wooDeliveryUrl(s), secret: secret.secret });
        restored = true;
      }
    }
    // Topics with no webhook (never created, or deleted in the store): create them now.
    for (const topic of WOO_WEBHOOK_TOPICS.filter((t) => !covered.has(t))) {
      const hook = await api.create(newWebhookBody(s, topic, secret.secret));
      kept.push(hook.id);
      restored = true;
    }
  } catch (err) {
    // The store could not be checked: keep every id we did not see gone, and try again next time.
    failing = true;
    kept.push(...ids.filter((id) => !kept.includes(id) && !gone.has(id)));
    s.logger.warn('woo_webhooks.check_failed', { accountId: row.accountId, errorClass: errorClass(err) });
  }
  const status: WooWebhookStatus = failing ? 'failing' : restored ? 'restored' : 'active';
  await saveHealth(s, row.id, { ...(secret ? { sealedWebhookSecret: secret.sealed } : {}), webhookIds: kept, webhookStatus: status });
  return status;
}
