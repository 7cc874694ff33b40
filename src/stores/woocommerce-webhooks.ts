import { and, asc, eq, gte, isNotNull, isNull, lt, or } from 'drizzle-orm';
import { toBase64Url } from '../crypto/encoding';
import { getStoreConnection, type StoreConnection } from '../db/accounts';
import { bumpCounters, WOO_WEBHOOK_SOURCE_MISMATCH } from '../db/counters';
import { dailyCounters, storeConnections } from '../db/schema';
import { utcDay } from '../platform/ids';
import { errorClass } from '../platform/log';
import { openStoreCredentials, sealedAs } from '../db/sealed';
import type { Services } from '../services';
import { wooRestClient } from './woocommerce';
import { verifyWooKeys } from './woocommerce-connect';

/**
 * The webhooks Draftline keeps registered in a WooCommerce store, through REST v3
 * (/wp-json/wc/v3/webhooks). Each store gets its own signing secret, generated here and kept
 * sealed in store_connections.sealed_webhook_secret.
 *
 * WooCommerce never retries a delivery and disables a webhook after more than five consecutive
 * failures, silently. repairWooStore (a queue job the cron enqueues for each store due) finds such
 * webhooks and turns them back on, or recreates them if they were deleted.
 *
 * Managing webhooks needs an API key with write permission ('read_write'); a 'read' key gets 401
 * "The API key provided does not have write permissions." and the store is marked 'failing'.
 *
 * A store whose deliveries name another address than the one connected (X-WC-Webhook-Source is
 * home_url('/'), which can differ from what the merchant typed) has them refused; turning its
 * webhook back on would only start the next round of refusals. So while such a refusal was
 * counted for the connection (in the last 7 days), reconcile leaves its webhooks alone and reports
 * them failing, and the status page asks the merchant to connect the store with its own address.
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
      const code =
        typeof response?.data?.code === 'string' && /^[a-z0-9_]{1,80}$/.test(response.data.code)
          ? response.data.code
          : 'unknown';
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
export async function removeWooWebhooks(
  s: Services,
  connection: StoreConnection,
): Promise<{ removed: number; failed: number }> {
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

/** A store checked less than this ago is not due again (just under the cron's 5 minutes: every tick). */
export const WOO_REPAIR_EVERY_MS = 4 * 60_000;

const activeWooStores = and(
  eq(storeConnections.kind, 'woocommerce'),
  eq(storeConnections.status, 'active'),
  isNotNull(storeConnections.sealedCredentials),
);

/** Accounts whose WooCommerce store is due for a check, longest unchecked first, at most `limit`. */
export async function wooStoresDueForRepair(s: Services, limit: number): Promise<string[]> {
  const rows = await s.db
    .select({ accountId: storeConnections.accountId })
    .from(storeConnections)
    .where(
      and(
        activeWooStores,
        or(
          isNull(storeConnections.webhookCheckedAt),
          lt(storeConnections.webhookCheckedAt, s.now() - WOO_REPAIR_EVERY_MS),
        ),
      ),
    )
    .orderBy(asc(storeConnections.webhookCheckedAt))
    .limit(limit);
  return rows.map((r) => r.accountId);
}

/**
 * One account's store (a queue job): its webhooks checked and repaired (reconcileOne), or, for a
 * store whose setup never finished (its merchant did not come back from the authorize screen), the
 * setup finished. 'none' when the account has no active WooCommerce store (any more). Trouble at the
 * store is not thrown: it is recorded as 'failing' and the next tick tries again.
 */
export async function repairWooStore(s: Services, accountId: string): Promise<WooWebhookStatus | 'none'> {
  const row = await s.db.query.storeConnections.findFirst({
    where: and(eq(storeConnections.accountId, accountId), activeWooStores),
  });
  if (!row) return 'none';
  const status = await repairOne(s, row);
  if (status === 'restored') s.logger.warn('woo_webhooks.restored', { accountId, count: 1 });
  else if (status === 'failing') s.logger.warn('woo_webhooks.failing', { accountId, count: 1 });
  return status;
}

const repairOne = async (s: Services, row: StoreConnection): Promise<WooWebhookStatus> =>
  row.webhookStatus === null ? setupStatus(await finishWooSetup(s, row.accountId)) : reconcileOne(s, row);

export interface ReconcileSummary {
  checked: number;
  active: number;
  restored: number;
  failing: number;
}

/**
 * Every active WooCommerce store at once, in this invocation, due or not (tests, maintenance). The
 * cron does not call this: it queues repairWooStore per store due.
 *
 * Per store: check each registered webhook (GET /webhooks/{id}). Disabled (by WooCommerce, after
 * repeated failures) → turned back on with our URL and secret; deleted → recreated; paused (by the
 * merchant, on purpose) → left alone and reported 'failing' so the status page can ask them.
 * Updates webhook_status and webhook_checked_at.
 */
export async function reconcileWooWebhooks(s: Services): Promise<ReconcileSummary> {
  const rows = await s.db.query.storeConnections.findMany({ where: activeWooStores });
  const summary: ReconcileSummary = { checked: 0, active: 0, restored: 0, failing: 0 };
  for (const row of rows) {
    summary.checked++;
    summary[await repairOne(s, row)]++;
  }
  s.logger.info('woo_webhooks.reconciled', { count: summary.checked });
  if (summary.restored) s.logger.warn('woo_webhooks.restored', { count: summary.restored });
  if (summary.failing) s.logger.warn('woo_webhooks.failing', { count: summary.failing });
  return summary;
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

const setupStatus = (outcome: WooSetupOutcome): WooWebhookStatus => (outcome === 'active' ? 'active' : 'failing');

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
  const pending = and(
    eq(storeConnections.accountId, accountId),
    eq(storeConnections.kind, 'woocommerce'),
    eq(storeConnections.status, 'active'),
    isNull(storeConnections.webhookStatus),
    isNotNull(storeConnections.sealedCredentials),
  );
  const [row] = await s.db
    .update(storeConnections)
    .set({ webhookCheckedAt: now })
    .where(
      and(
        pending,
        or(isNull(storeConnections.webhookCheckedAt), lt(storeConnections.webhookCheckedAt, now - WOO_SETUP_CLAIM_MS)),
      ),
    )
    .returning();
  if (!row) {
    const current = await getStoreConnection(s.db, accountId);
    return current?.kind === 'woocommerce' && current.status === 'active' && current.webhookStatus === null
      ? 'busy'
      : 'none';
  }
  const credentials = await openStoreCredentials(s, { id: row.id, sealedCredentials: row.sealedCredentials! });
  if (credentials.kind !== 'woocommerce') return 'none';
  const check = await verifyWooKeys(s.fetch, row.storeDomain, credentials.consumerKey, credentials.consumerSecret);
  if (!check.valid) {
    s.logger.warn('store.woo_setup_failed', { accountId, reason: check.reason });
    // Unreachable: the claim lapses and the next run tries again. Otherwise the merchant must reconnect.
    if (check.reason === 'unreachable') return 'unreachable';
    await s.db
      .update(storeConnections)
      .set({ status: 'reconnect_needed' })
      .where(and(eq(storeConnections.id, row.id), eq(storeConnections.sealedCredentials, row.sealedCredentials!)));
    return check.reason === 'moved' ? 'moved' : 'rejected';
  }
  const { status } = await registerWooWebhooks(s, row);
  s.logger.info('store.woo_setup_done', { accountId, reason: status });
  return status === 'failing' ? 'failing' : 'active';
}

const DAY_MS = 86_400_000;

/** Counts a delivery this store signed under another address, and marks its webhooks failing. */
export async function recordWooSourceMismatch(s: Services, connection: StoreConnection): Promise<void> {
  await bumpCounters(s.db, connection.accountId, { [WOO_WEBHOOK_SOURCE_MISMATCH]: 1 }, s.now());
  await s.db
    .update(storeConnections)
    .set({ webhookStatus: 'failing', webhookCheckedAt: s.now() })
    .where(eq(storeConnections.id, connection.id));
}

/** A source mismatch marked this connection failing, and was counted since it was made, in the last 7 days. */
async function refusedForSource(s: Services, row: StoreConnection): Promise<boolean> {
  if (row.webhookStatus !== 'failing') return false;
  const since = utcDay(Math.max(row.connectedAt, s.now() - 6 * DAY_MS));
  const counts = await s.db
    .select({ count: dailyCounters.count })
    .from(dailyCounters)
    .where(
      and(
        eq(dailyCounters.accountId, row.accountId),
        eq(dailyCounters.name, WOO_WEBHOOK_SOURCE_MISMATCH),
        gte(dailyCounters.day, since),
      ),
    );
  return counts.some((c) => c.count > 0);
}

async function reconcileOne(s: Services, row: StoreConnection): Promise<WooWebhookStatus> {
  const ids = parseWebhookIds(row.webhookIds);
  if (await refusedForSource(s, row)) {
    // Re-enabling would only be refused again (and disabled again by WooCommerce): wait for the merchant.
    s.logger.warn('woo_webhooks.source_mismatch', { accountId: row.accountId });
    await saveHealth(s, row.id, { webhookIds: ids, webhookStatus: 'failing' });
    return 'failing';
  }
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
  await saveHealth(s, row.id, {
    ...(secret ? { sealedWebhookSecret: secret.sealed } : {}),
    webhookIds: kept,
    webhookStatus: status,
  });
  return status;
}
