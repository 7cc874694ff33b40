import { createAdminApiClient, type AdminApiClient } from '@shopify/admin-api-client';
import type { Config } from '../config';
import type { Sealer } from '../crypto/seal';
import type { FetchLike } from '../platform/fetch';
import type { Logger } from '../platform/log';
import { neutralStatus, StoreApiError } from './errors';
import type { Order, OrderSource } from './order';
import { shopifyHttpError } from './shopify-errors';
import { FULFILLMENTS_SELECTION, parcelsFromFulfillments } from './shopify-shipments';
import {
  migrateShopifyToken,
  refreshShopifyToken,
  ShopifyTokenError,
  type ShopifyCredentials,
  type ShopifyTokenConfig,
} from './shopify-install';

/**
 * Orders from Shopify's Admin GraphQL API through @shopify/admin-api-client, which takes a fetch per
 * instance. It always addresses https://{shop}/admin/...; with `baseUrl` set (sandbox, tests) the
 * fetch rewrites that to `${baseUrl}/{shop}/admin/...`.
 */
export interface ShopifyOrderSourceOptions {
  shop: string;
  /** A fixed token (tests, tools). A connection's source uses `tokens`, which refreshes. */
  accessToken?: string;
  tokens?: ShopifyAccessTokens;
  apiVersion: string;
  fetch: FetchLike;
  baseUrl?: string | null;
  sleep?: (ms: number) => Promise<void>;
  maxThrottleRetries?: number;
  /** Per request; a hung connection becomes a retryable 'network' StoreApiError. */
  timeoutMs?: number;
  /** Where the client's version warnings go, as ids and versions only. */
  logger?: Logger;
  accountId?: string;
  /**
   * Told whether Shopify released the customer data a lookup needs (false: protected customer data
   * not approved, so every answer is redacted or refused; null: an answer without orders, which
   * says nothing either way, since Shopify flags only the fields it withheld).
   */
  onCustomerData?: (approved: boolean | null) => Promise<void>;
  /** Told that Shopify has taken the shop out of service (frozen or locked): see shopifyHttpError. */
  onShopUnavailable?: () => Promise<void>;
}

/** Where the order source gets its access token. */
export interface ShopifyAccessTokens {
  /** A token to use now: refreshed (or a non-expiring one migrated) first when needed. */
  get(): Promise<string>;
  /** Shopify answered 401 to `token`: a token to retry with once, or a `reconnect_needed` throw. */
  afterUnauthorized(token: string): Promise<string>;
  /** The retried token got 401 too: the grant is dead. Throws `reconnect_needed`. */
  dead(): Promise<never>;
}

/** Like WooCommerce's: Shopify answers in well under a second, so this only catches hung connections. */
export const SHOPIFY_TIMEOUT_MS = 15_000;

/**
 * Refresh this long before the access token expires. Shopify: "Proactively refresh tokens a few
 * minutes before they expire" (https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh).
 */
export const REFRESH_MARGIN_MS = 5 * 60_000;

const ORDERS_QUERY = `#graphql
query DraftlineOrders($first: Int!, $query: String!, $reverse: Boolean!) {
  orders(first: $first, query: $query, sortKey: CREATED_AT, reverse: $reverse) {
    nodes {
      name
      email
      createdAt
      displayFinancialStatus
      displayFulfillmentStatus
      ${FULFILLMENTS_SELECTION}
      lineItems(first: 25) { nodes { title quantity } }
      shippingAddress { city countryCodeV2 }
    }
  }
}`;

interface ShopifyOrderNode {
  name: string;
  email: string | null;
  createdAt: string;
  displayFinancialStatus: string | null;
  displayFulfillmentStatus: string | null;
  /** Read by parcelsFromFulfillments, field by field. */
  fulfillments: unknown;
  lineItems: { nodes: { title: string; quantity: number }[] };
  shippingAddress: { city: string | null; countryCodeV2: string | null } | null;
}

interface GraphQLErrorShape {
  message?: string;
  extensions?: { code?: string };
}

/**
 * Protected customer data withheld: without Shopify's approval an unapproved type is refused and
 * unapproved fields come back null, each with an `errors` entry "This app is not approved to access
 * the … object" / "… to use the … field" (HTTP 200; https://shopify.dev/docs/apps/launch/protected-customer-data#using-protected-customer-data).
 * In practice the refusal also carries `extensions.code: "ACCESS_DENIED"`, which a missing access
 * scope shares ("Access denied for … field. Required access: …"), so the words decide.
 */
export function isCustomerDataRefusal(error: GraphQLErrorShape): boolean {
  return (
    /\bnot approved to (access|use)\b/i.test(error.message ?? '') ||
    /protected customer data|\/customer_data\b/i.test(error.message ?? '')
  );
}

export function createShopifyOrderSource(opts: ShopifyOrderSourceOptions): OrderSource {
  const sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const base = opts.baseUrl?.replace(/\/+$/, '');
  const tokens = opts.tokens ?? fixedToken(opts.accessToken ?? '');
  const log = opts.logger;
  const logged = new Set<string>();
  /** Each warning once per source (one sync run), not once per request. */
  const warnOnce = (event: string, reason: string) => {
    if (!log || logged.has(`${event}:${reason}`)) return;
    logged.add(`${event}:${reason}`);
    log.warn(event, { accountId: opts.accountId, reason });
  };

  // The client takes its token when created (per-request headers cannot override it), so there is
  // one client per token; a refresh makes a new one.
  let client: { token: string; api: AdminApiClient } | null = null;
  const clientFor = (token: string): AdminApiClient => {
    if (client?.token === token) return client.api;
    const api = createAdminApiClient({
      storeDomain: opts.shop,
      apiVersion: opts.apiVersion,
      accessToken: token,
      retries: 0,
      // Not silenced: an unsupported version or a deprecation notice is logged as the versions
      // involved, never the notice's text or the request (which quotes the query).
      logger: (entry) => {
        if (entry.type === 'Unsupported_Api_Version') warnOnce('shopify.api_version_unsupported', opts.apiVersion);
        else if (entry.type === 'HTTP-Response-GraphQL-Deprecation-Notice')
          warnOnce('shopify.api_deprecated', opts.apiVersion);
        else if (entry.type === 'HTTP-Response') {
          // Past its support window a version "falls forward" to the oldest supported one, and
          // Shopify says which it served: https://shopify.dev/docs/api/usage/versioning
          const served = entry.content.response.headers?.get('X-Shopify-API-Version');
          if (served && served !== opts.apiVersion)
            warnOnce('shopify.api_version_fell_forward', `${opts.apiVersion}:${served}`);
        }
      },
      customFetchApi: (url, init) => {
        const target = base ? String(url).replace(/^https:\/\/([^/]+)\//, `${base}/$1/`) : String(url);
        // The client sets no timeout of its own: without this, a hung connection hangs the sync.
        const timeout = AbortSignal.timeout(opts.timeoutMs ?? SHOPIFY_TIMEOUT_MS);
        const signal = init?.signal ? AbortSignal.any([init.signal as AbortSignal, timeout]) : timeout;
        return opts.fetch(target, { ...(init as RequestInit), signal });
      },
    });
    client = { token, api };
    return api;
  };

  /** `newestFirst` false: oldest first, as Shopify sorts by CREATED_AT without `reverse`. */
  async function orders(query: string, first: number, newestFirst: boolean, signal?: AbortSignal): Promise<Order[]> {
    try {
      return await ordersOnce(query, first, newestFirst, signal);
    } catch (err) {
      // From the query or from the token renewal before it: either way the shop is out of service.
      if (err instanceof StoreApiError && err.code === 'shop_unavailable') await opts.onShopUnavailable?.();
      throw err;
    }
  }

  async function ordersOnce(query: string, first: number, newestFirst: boolean, signal?: AbortSignal) {
    let token = await tokens.get();
    let retriedAuth = false;
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        response = await clientFor(token).request<{ orders: { nodes: ShopifyOrderNode[] } }>(ORDERS_QUERY, {
          variables: { first, query, reverse: newestFirst },
          signal,
        });
      } catch {
        throw new StoreApiError(0, 'network');
      }
      const { data, errors, extensions } = response;
      const graphQLErrors: GraphQLErrorShape[] = Array.isArray(errors?.graphQLErrors) ? errors.graphQLErrors : [];
      if (graphQLErrors.some((e) => e?.extensions?.code === 'THROTTLED')) {
        if (attempt >= (opts.maxThrottleRetries ?? 3)) throw new StoreApiError(200, 'throttled');
        await sleep(throttleWaitMs(extensions));
        continue;
      }
      if (errors?.networkStatusCode === 401) {
        // Expired, revoked, or a non-expiring token Shopify no longer takes: one fresh token, then give up.
        if (retriedAuth) return tokens.dead();
        token = await tokens.afterUnauthorized(token);
        retriedAuth = true;
        continue;
      }
      if (graphQLErrors.some(isCustomerDataRefusal)) {
        await opts.onCustomerData?.(false);
        throw new StoreApiError(200, 'customer_data_not_approved');
      }
      if (errors) {
        // The client turns a fetch that threw (connection reset, timeout) into errors without a
        // status and without GraphQL errors: no answer came, which retrying can fix.
        if (errors.networkStatusCode === undefined && !graphQLErrors.length) throw new StoreApiError(0, 'network');
        const status = errors.networkStatusCode ?? 200;
        throw status === 200 ? new StoreApiError(200, 'bad_response') : await shopifyHttpError(status, errors.response);
      }
      if (!data?.orders?.nodes) throw new StoreApiError(200, 'bad_response');
      await opts.onCustomerData?.(data.orders.nodes.length ? true : null);
      return data.orders.nodes.map(toOrder);
    }
  }

  return {
    async findByNumber(number) {
      // Shopify's name search matches by prefix (#1042 finds #10420…#10429 too), so ask oldest
      // first: a number is older than every longer number that starts with it. Keep the exact one.
      const found = await orders(`name:#${number}`, 3, false);
      return found.find((o) => o.number === number) ?? null;
    },
    async recentByEmail(email, limit, signal) {
      // At most 5: each order is priced at 99 points whether it exists or not (Shopify's 1,000 cap).
      const found = await orders(`email:${JSON.stringify(email)}`, Math.min(limit, 5), true, signal);
      return found.filter((o) => o.email.toLowerCase() === email.toLowerCase()).slice(0, limit);
    },
  };
}

function fixedToken(token: string): ShopifyAccessTokens {
  return {
    get: async () => token,
    afterUnauthorized: async () => {
      throw new StoreApiError(401, 'unauthorized');
    },
    dead: async () => {
      throw new StoreApiError(401, 'unauthorized');
    },
  };
}

/** What a store connection's order source needs from the services. */
export interface ShopifyConnectionServices {
  sealer: Sealer;
  logger: Logger;
  fetch: FetchLike;
  now: () => number;
  config: Pick<Config, 'shopify'>;
}

/** A store connection's states, as stored. */
export type ShopifyConnectionStatus =
  | 'active'
  | 'reconnect_needed'
  | 'uninstalled'
  | 'customer_data_not_approved'
  | 'shop_unavailable';

/** The stored connection an order source reads from. */
export interface ShopifyConnection {
  id: string;
  accountId: string;
  storeDomain: string;
  status: ShopifyConnectionStatus;
  sealedCredentials: string | null;
}

/**
 * Where an order source keeps what it learns about its connection (services.ts wires it to the
 * database). Every change is conditional on the sealed value the source holds, so a reconnect (new
 * row), a racing token refresh (new sealed value) or an uninstall in between is never overwritten.
 */
export interface ShopifyConnectionRecord {
  /** The sealed credentials stored now, when the row is still this connection and still usable; else null. */
  storedCredentials(): Promise<string | null>;
  /** Changes the row only while it still holds `current` (and its status, when given). True when it did. */
  updateIfCurrent(
    current: { sealedCredentials: string; status?: ShopifyConnectionStatus },
    changes: { status?: ShopifyConnectionStatus; sealedCredentials?: string },
  ): Promise<boolean>;
  /** One lookup refused for customer data Shopify has not released (the dashboard's errors). */
  countCustomerDataRefusal(): Promise<void>;
}

interface Held {
  /** The sealed credentials as stored: the conditional UPDATEs compare against this. */
  sealed: string;
  credentials: ShopifyCredentials;
}

/**
 * One refresh (or migration) at a time per store connection within this process or isolate:
 * concurrent lookups wait for the same one. Keyed by connection id; a finished one is dropped.
 */
const renewals = new Map<string, Promise<Held>>();

/**
 * The order source of a Shopify store connection: its sealed credentials kept current (refreshed
 * within REFRESH_MARGIN_MS of expiry, non-expiring tokens migrated on first use, the rotated refresh
 * token re-sealed and written only over the value it replaces), a refused grant marked
 * `reconnect_needed`, and withheld customer data marked `customer_data_not_approved` and counted.
 */
export function openShopifyOrderSource(
  s: ShopifyConnectionServices,
  connection: ShopifyConnection,
  credentials: ShopifyCredentials,
  /** The sealed value's associated data (sealedAs.storeCredentials(connection.id)). */
  associatedData: string,
  record: ShopifyConnectionRecord,
): OrderSource {
  const { accountId } = connection;
  const tokenConfig: ShopifyTokenConfig = { ...s.config.shopify, fetch: s.fetch, now: s.now };
  let status = connection.status;
  let held: Held | null = connection.sealedCredentials ? { sealed: connection.sealedCredentials, credentials } : null;
  let deadReason: string | null = null;

  const reconnectNeeded = async (reason: string, httpStatus: number, from: Held | null): Promise<never> => {
    if (!deadReason) {
      deadReason = reason;
      const marked = from
        ? await record.updateIfCurrent({ sealedCredentials: from.sealed }, { status: 'reconnect_needed' })
        : false;
      s.logger.warn('store.reconnect_needed', { accountId, reason, status: httpStatus, count: marked ? 1 : 0 });
    }
    throw new StoreApiError(httpStatus, 'reconnect_needed');
  };

  /** The connection as stored now, when it is still this one and still holds credentials. */
  const reread = async (): Promise<Held | null> => {
    const sealed = await record.storedCredentials();
    if (!sealed) return null;
    const opened = JSON.parse(await s.sealer.open(sealed, associatedData)) as ShopifyCredentials;
    return { sealed, credentials: opened };
  };

  const renew = async (from: Held): Promise<Held> => {
    const migrating = !from.credentials.refreshToken;
    let next: ShopifyCredentials;
    try {
      next = migrating
        ? await migrateShopifyToken(tokenConfig, connection.storeDomain, from.credentials.accessToken)
        : await refreshShopifyToken(tokenConfig, connection.storeDomain, from.credentials.refreshToken!);
    } catch (err) {
      if (!(err instanceof ShopifyTokenError)) throw err;
      if (err.reason === 'rejected') {
        // Another isolate may have rotated the refresh token after we read ours: use what it stored.
        const stored = await reread();
        if (stored && stored.sealed !== from.sealed) return stored;
        return reconnectNeeded(migrating ? 'migration_rejected' : 'refresh_rejected', err.status, from);
      }
      // No answer (or a shop out of service): a token that still works is used as it is, the
      // Admin API has the last word, and the renewal is tried again later.
      if (migrating || from.credentials.expiresAt! > s.now()) return from;
      if (err.reason === 'shop_unavailable') throw new StoreApiError(err.status, 'shop_unavailable');
      throw new StoreApiError(err.status, err.status >= 500 ? 'server' : 'network');
    }
    const sealed = await s.sealer.seal(JSON.stringify(next), associatedData);
    // Written only over the value it replaces: a racing refresh that stored a newer pair, or a
    // reconnect, is never overwritten with an older one.
    if (await record.updateIfCurrent({ sealedCredentials: from.sealed }, { sealedCredentials: sealed })) {
      s.logger.info(migrating ? 'store.shopify_token_migrated' : 'store.shopify_token_refreshed', { accountId });
      return { sealed, credentials: next };
    }
    // Someone stored first: theirs is what the next run reads, so use theirs; ours still works for now.
    return (await reread()) ?? { sealed: from.sealed, credentials: next };
  };

  /** The renewal of this connection under way in this isolate, or a new one from `from`. */
  const renewOnce = (from: Held): Promise<Held> => {
    let pending = renewals.get(connection.id);
    if (!pending) {
      pending = renew(from).finally(() => renewals.delete(connection.id));
      renewals.set(connection.id, pending);
    }
    return pending;
  };

  const needsRenewal = (c: ShopifyCredentials) => !c.refreshToken || c.expiresAt! - s.now() <= REFRESH_MARGIN_MS;

  const tokens: ShopifyAccessTokens = {
    async get() {
      if (deadReason) throw new StoreApiError(0, 'reconnect_needed');
      if (!held) return credentials.accessToken;
      // At most twice: a renewal may hand back credentials another isolate stored, which can be due too.
      for (let i = 0; i < 2 && needsRenewal(held.credentials); i++) {
        const before: Held = held;
        held = await renewOnce(before);
        if (held === before) break; // kept as it was (no answer): use it
      }
      return held.credentials.accessToken;
    },
    async afterUnauthorized(token) {
      if (!held) return reconnectNeeded('unauthorized', 401, null);
      // Already replaced meanwhile (a concurrent lookup renewed it): retry with the new one.
      if (held.credentials.accessToken !== token) return held.credentials.accessToken;
      const before: Held = held;
      held = await renewOnce(before);
      if (held.credentials.accessToken === token) return reconnectNeeded('unauthorized', 401, held);
      return held.credentials.accessToken;
    },
    async dead() {
      return reconnectNeeded('unauthorized', 401, held);
    },
  };

  /**
   * Moves the stored status between the ones a store drafts in, one move at a time, written only
   * over the status and credentials this source read: a reconnect, an uninstall or a token another
   * run stored meanwhile is never overwritten. When that write finds the row changed, this run stops
   * moving it (the next run starts from what is stored).
   */
  let moves = Promise.resolve();
  let statusKnown = true;
  function moveTo(next: 'active' | 'customer_data_not_approved' | 'shop_unavailable'): Promise<void> {
    moves = moves.then(async () => {
      if (!statusKnown || status === next || !held || !ANSWERING.has(status)) return;
      const was = status;
      const written = await record
        .updateIfCurrent({ sealedCredentials: held.sealed, status: was }, { status: next })
        .catch(() => false);
      if (!written) {
        statusKnown = false;
        return;
      }
      status = next;
      if (next === 'shop_unavailable') s.logger.warn('store.shop_unavailable', { accountId });
      else if (was === 'shop_unavailable') s.logger.info('store.shop_available', { accountId });
      else if (was === 'customer_data_not_approved') s.logger.info('store.customer_data_approved', { accountId });
    });
    return moves;
  }

  return createShopifyOrderSource({
    shop: connection.storeDomain,
    tokens,
    apiVersion: s.config.shopify.apiVersion,
    baseUrl: s.config.shopify.apiUrl,
    fetch: s.fetch,
    logger: s.logger,
    accountId,
    async onCustomerData(approved) {
      if (approved === false) {
        s.logger.warn('store.customer_data_not_approved', { accountId });
        // Counted per lookup (the dashboard's errors), whatever the stored status already says.
        await record.countCustomerDataRefusal().catch(() => undefined);
        await moveTo('customer_data_not_approved');
      } else if (approved || status === 'shop_unavailable') {
        // Shopify answered: the store is back to normal (an empty answer only ends an outage).
        await moveTo('active');
      }
    },
    async onShopUnavailable() {
      await moveTo('shop_unavailable');
    },
  });
}

/** The statuses in which a store answers lookups, so a later answer may move it to another. */
const ANSWERING = new Set<ShopifyConnectionStatus>(['active', 'customer_data_not_approved', 'shop_unavailable']);

/** Wait long enough for the bucket to refill what the query costs (Shopify's leaky bucket). */
interface ThrottleCost {
  requestedQueryCost?: number;
  throttleStatus?: { restoreRate?: number; currentlyAvailable: number };
}

function throttleWaitMs(extensions: { cost?: ThrottleCost } | undefined): number {
  const cost = extensions?.cost;
  const status = cost?.throttleStatus;
  if (!status?.restoreRate) return 1000;
  const missing = Math.max(0, (cost?.requestedQueryCost ?? 0) - status.currentlyAvailable);
  return Math.min(10_000, Math.ceil((missing / status.restoreRate) * 1000) + 50);
}

function toOrder(node: ShopifyOrderNode): Order {
  const { tracking, shipments } = parcelsFromFulfillments(node.fulfillments);
  return {
    number: node.name.replace(/^#/, ''),
    email: node.email ?? '',
    createdAt: node.createdAt,
    financialStatus: neutralStatus(node.displayFinancialStatus),
    fulfillmentStatus: neutralStatus(node.displayFulfillmentStatus),
    tracking,
    shipments,
    items: node.lineItems.nodes.map((i) => ({ title: i.title, quantity: i.quantity })),
    shippingCity: node.shippingAddress?.city ?? null,
    shippingCountry: node.shippingAddress?.countryCodeV2 ?? null,
  };
}
