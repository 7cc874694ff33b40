import { and, asc, eq, gte, isNotNull, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import type { ShopifyConnectionRecord } from '../stores/shopify';
import { getStoreConnection, updateStoreConnectionIfCurrent, type StoreConnection } from './accounts';
import type { Db } from './client';
import { bumpCounters, WOO_WEBHOOK_SOURCE_MISMATCH } from './counters';
import { dailyCounters, storeConnections } from './schema';

/**
 * Statements the store flows run on store_connections (token renewal, webhook registration and
 * upkeep, finding the store a webhook came from) and the store counters they bump. The modules
 * under src/stores/ only talk to the stores; what they learn is written here. (Connecting and
 * disconnecting write the row in accounts/connect.ts and db/accounts.ts.) The Shopify port's type
 * comes from stores/shopify.ts, as a type only: db/ runs no store code.
 */

/** What an order source changed on its store row (credentials are only ever replaced, never cleared). */
export type StoreRowChange = { status?: StoreConnection['status']; sealedCredentials?: string };

/**
 * A Shopify order source's connection record (see ShopifyConnectionRecord), on this database;
 * `onStored` hears of each change written (a sync remembers the row as it left it).
 */
export function shopifyConnectionRecord(
  db: Db,
  connection: { id: string; accountId: string },
  now: () => number,
  onStored?: (change: StoreRowChange) => void,
): ShopifyConnectionRecord {
  return {
    async storedCredentials() {
      const row = await getStoreConnection(db, connection.accountId);
      if (
        !row ||
        row.id !== connection.id ||
        !row.sealedCredentials ||
        row.status === 'reconnect_needed' ||
        row.status === 'uninstalled'
      )
        return null;
      return row.sealedCredentials;
    },
    async updateIfCurrent(current, changes) {
      const updated = await updateStoreConnectionIfCurrent(db, connection.id, current, changes);
      if (updated) onStored?.(changes);
      return updated;
    },
    countCustomerDataRefusal: () =>
      bumpCounters(db, connection.accountId, { 'error:customer_data_not_approved': 1 }, now()),
  };
}

// --- WooCommerce webhooks --------------------------------------------------------------------------

type WebhookStatus = StoreConnection['webhookStatus'];

/** store_connections.webhook_ids as stored: a JSON array of the ids of the webhooks we registered. */
export function parseWebhookIds(value: string | null): number[] {
  if (!value) return [];
  try {
    const ids = JSON.parse(value) as unknown;
    return Array.isArray(ids) ? ids.filter((n): n is number => Number.isSafeInteger(n) && n > 0) : [];
  } catch {
    return [];
  }
}

/** Records how a connection's webhooks stand, checked `now` (and its sealed webhook secret, when given). */
export async function saveWooWebhookHealth(
  db: Db,
  connectionId: string,
  fields: { sealedWebhookSecret?: string | null; webhookIds: number[] | null; webhookStatus: WebhookStatus },
  now: number,
): Promise<void> {
  await db
    .update(storeConnections)
    .set({
      ...('sealedWebhookSecret' in fields ? { sealedWebhookSecret: fields.sealedWebhookSecret } : {}),
      webhookIds: fields.webhookIds === null ? null : JSON.stringify(fields.webhookIds),
      webhookStatus: fields.webhookStatus,
      webhookCheckedAt: now,
    })
    .where(eq(storeConnections.id, connectionId));
}

const activeWooStores = and(
  eq(storeConnections.kind, 'woocommerce'),
  eq(storeConnections.status, 'active'),
  isNotNull(storeConnections.sealedCredentials),
);

/** Accounts whose active WooCommerce store was last checked before `before` (or never), longest unchecked first. */
export async function wooStoresCheckedBefore(db: Db, before: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ accountId: storeConnections.accountId })
    .from(storeConnections)
    .where(
      and(
        activeWooStores,
        or(isNull(storeConnections.webhookCheckedAt), lt(storeConnections.webhookCheckedAt, before)),
      ),
    )
    .orderBy(asc(storeConnections.webhookCheckedAt))
    .limit(limit);
  return rows.map((r) => r.accountId);
}

/** The account's store connection when it is an active WooCommerce store with credentials. */
export async function findActiveWooStore(db: Db, accountId: string): Promise<StoreConnection | undefined> {
  return db.query.storeConnections.findFirst({
    where: and(eq(storeConnections.accountId, accountId), activeWooStores),
  });
}

export async function listActiveWooStores(db: Db): Promise<StoreConnection[]> {
  return db.query.storeConnections.findMany({ where: activeWooStores });
}

/**
 * Claims the setup of the account's WooCommerce store, in one conditional UPDATE, when it is
 * pending (active, credentials, webhook status unset) and unclaimed or claimed before `staleBefore`.
 * The claim is webhook_checked_at set to `now`; the row claimed, or undefined when there is none.
 */
export async function claimWooSetup(
  db: Db,
  accountId: string,
  now: number,
  staleBefore: number,
): Promise<StoreConnection | undefined> {
  const pending = and(
    eq(storeConnections.accountId, accountId),
    activeWooStores,
    isNull(storeConnections.webhookStatus),
  );
  const [row] = await db
    .update(storeConnections)
    .set({ webhookCheckedAt: now })
    .where(
      and(pending, or(isNull(storeConnections.webhookCheckedAt), lt(storeConnections.webhookCheckedAt, staleBefore))),
    )
    .returning();
  return row;
}

/** Counts a delivery this store signed under another address, and marks its webhooks failing. */
export async function recordWooSourceMismatch(
  db: Db,
  connection: { id: string; accountId: string },
  now: number,
): Promise<void> {
  await bumpCounters(db, connection.accountId, { [WOO_WEBHOOK_SOURCE_MISMATCH]: 1 }, now);
  await db
    .update(storeConnections)
    .set({ webhookStatus: 'failing', webhookCheckedAt: now })
    .where(eq(storeConnections.id, connection.id));
}

/** Whether a source mismatch was counted for this account on `sinceDay` (YYYY-MM-DD) or later. */
export async function wooSourceMismatchCountedSince(db: Db, accountId: string, sinceDay: string): Promise<boolean> {
  const counts = await db
    .select({ count: dailyCounters.count })
    .from(dailyCounters)
    .where(
      and(
        eq(dailyCounters.accountId, accountId),
        eq(dailyCounters.name, WOO_WEBHOOK_SOURCE_MISMATCH),
        gte(dailyCounters.day, sinceDay),
      ),
    );
  return counts.some((c) => c.count > 0);
}

/**
 * WooCommerce connections whose stored URL (stores/store-url.ts connectedStoreUrl: scheme, host,
 * port, path) has exactly this host or its "www." form, at most `limit`: the candidates for a match
 * by identity (storeAddress), which alone decides. Exact, not "contains": with a looser search,
 * stores connected at victim.example.attacker.test could fill the limit and crowd the real
 * victim.example out of its own webhooks. Connections whose webhooks are in their store come first:
 * only those sign anything, and rows anyone can make (keys delivered, never checked) at paths
 * under the same host must not crowd the real one out either.
 */
export async function wooConnectionsAtHost(db: Db, host: string, limit: number): Promise<StoreConnection[]> {
  const stored = sql`lower(${storeConnections.storeDomain})`;
  const prefixes = ['http://', 'https://'].flatMap((scheme) => [`${scheme}${host}`, `${scheme}www.${host}`]);
  // The prefix, then the end, a port or the path: substr past the end is ''. Hosts are ASCII
  // (URL gives IDNs in punycode), so JS and SQLite count the same characters.
  const at = prefixes.map(
    (p) => sql`(substr(${stored}, 1, ${p.length}) = ${p} AND substr(${stored}, ${p.length + 1}, 1) IN ('', ':', '/'))`,
  );
  return db.query.storeConnections.findMany({
    where: and(eq(storeConnections.kind, 'woocommerce'), or(...at)),
    orderBy: sql`coalesce(${storeConnections.webhookIds}, '[]') = '[]'`,
    limit,
  });
}

/**
 * WooCommerce connections one of whose registered webhooks has this id (store_connections.webhook_ids,
 * a JSON list of numbers), other than `except`, at most `limit`: who may have signed a delivery
 * that names another address.
 */
export async function wooConnectionsOwningWebhook(
  db: Db,
  webhookId: string,
  except: string[],
  limit: number,
): Promise<StoreConnection[]> {
  return db.query.storeConnections.findMany({
    where: and(
      eq(storeConnections.kind, 'woocommerce'),
      sql`(',' || trim(coalesce(${storeConnections.webhookIds}, ''), '[]') || ',') like ${`%,${webhookId},%`}`,
      ...(except.length ? [notInArray(storeConnections.id, except)] : []),
    ),
    limit,
  });
}
