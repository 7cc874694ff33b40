import { createAdminApiClient } from '@shopify/admin-api-client';
import type { FetchLike } from '../platform/fetch';
import { neutralStatus, StoreApiError, storeErrorFromStatus } from './errors';
import type { Order, OrderSource } from './order';

/**
 * Orders from Shopify's Admin GraphQL API through @shopify/admin-api-client, which takes a fetch per
 * instance. It always addresses https://{shop}/admin/...; with `baseUrl` set (sandbox, tests) the
 * fetch rewrites that to `${baseUrl}/{shop}/admin/...`.
 */
export interface ShopifyOrderSourceOptions {
  shop: string;
  accessToken: string;
  apiVersion: string;
  fetch: FetchLike;
  baseUrl?: string | null;
  sleep?: (ms: number) => Promise<void>;
  maxThrottleRetries?: number;
  /** Per request; a hung connection becomes a retryable 'network' StoreApiError. */
  timeoutMs?: number;
}

/** Like WooCommerce's: Shopify answers in well under a second, so this only catches hung connections. */
export const SHOPIFY_TIMEOUT_MS = 15_000;

const ORDERS_QUERY = `#graphql
query DraftlineOrders($first: Int!, $query: String!) {
  orders(first: $first, query: $query, sortKey: CREATED_AT, reverse: true) {
    nodes {
      name
      email
      createdAt
      displayFinancialStatus
      displayFulfillmentStatus
      fulfillments(first: 10) { status trackingInfo(first: 10) { number url company } }
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
  fulfillments: { status: string; trackingInfo: { number: string | null; url: string | null; company: string | null }[] }[];
  lineItems: { nodes: { title: string; quantity: number }[] };
  shippingAddress: { city: string | null; countryCodeV2: string | null } | null;
}

export function createShopifyOrderSource(opts: ShopifyOrderSourceOptions): OrderSource {
  const sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const base = opts.baseUrl?.replace(/\/+$/, '');
  const client = createAdminApiClient({
    storeDomain: opts.shop,
    apiVersion: opts.apiVersion,
    accessToken: opts.accessToken,
    retries: 0,
    logger: () => {},
    customFetchApi: (url, init) => {
      const target = base ? String(url).replace(/^https:\/\/([^/]+)\//, `${base}/$1/`) : String(url);
      // The client sets no timeout of its own: without this, a hung connection hangs the sync.
      const timeout = AbortSignal.timeout(opts.timeoutMs ?? SHOPIFY_TIMEOUT_MS);
      const signal = init?.signal ? AbortSignal.any([init.signal as AbortSignal, timeout]) : timeout;
      return opts.fetch(target, { ...(init as RequestInit), signal });
    },
  });

  async function orders(query: string, first: number): Promise<Order[]> {
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        response = await client.request<{ orders: { nodes: ShopifyOrderNode[] } }>(ORDERS_QUERY, { variables: { first, query } });
      } catch {
        throw new StoreApiError(0, 'network');
      }
      const { data, errors, extensions } = response;
      const throttled = errors?.graphQLErrors?.some((e: { extensions?: { code?: string } }) => e?.extensions?.code === 'THROTTLED');
      if (throttled) {
        if (attempt >= (opts.maxThrottleRetries ?? 3)) throw new StoreApiError(200, 'throttled');
        await sleep(throttleWaitMs(extensions));
        continue;
      }
      if (errors) {
        // The client turns a fetch that threw (connection reset, timeout) into errors without a
        // status and without GraphQL errors: no answer came, which retrying can fix.
        if (errors.networkStatusCode === undefined && !errors.graphQLErrors?.length) throw new StoreApiError(0, 'network');
        const status = errors.networkStatusCode ?? 200;
        throw status === 200 ? new StoreApiError(200, 'bad_response') : storeErrorFromStatus(status);
      }
      if (!data?.orders?.nodes) throw new StoreApiError(200, 'bad_response');
      return data.orders.nodes.map(toOrder);
    }
  }

  return {
    async findByNumber(number) {
      // Shopify's search is fuzzy: keep only the order whose name is exactly #number.
      const found = await orders(`name:#${number}`, 5);
      return found.find((o) => o.number === number) ?? null;
    },
    async recentByEmail(email, limit) {
      const found = await orders(`email:${JSON.stringify(email)}`, Math.min(limit, 20));
      return found.filter((o) => o.email.toLowerCase() === email.toLowerCase()).slice(0, limit);
    },
  };
}

/** Wait long enough for the bucket to refill what the query costs (Shopify's leaky bucket). */
function throttleWaitMs(extensions: Record<string, any> | undefined): number {
  const cost = extensions?.cost;
  const status = cost?.throttleStatus;
  if (!status?.restoreRate) return 1000;
  const missing = Math.max(0, (cost.requestedQueryCost ?? 0) - status.currentlyAvailable);
  return Math.min(10_000, Math.ceil((missing / status.restoreRate) * 1000) + 50);
}

function toOrder(node: ShopifyOrderNode): Order {
  return {
    number: node.name.replace(/^#/, ''),
    email: node.email ?? '',
    createdAt: node.createdAt,
    financialStatus: neutralStatus(node.displayFinancialStatus),
    fulfillmentStatus: neutralStatus(node.displayFulfillmentStatus),
    tracking: node.fulfillments.flatMap((f) =>
      f.trackingInfo.filter((t) => t.number).map((t) => ({ company: t.company ?? '', number: t.number!, url: t.url ?? '' })),
    ),
    items: node.lineItems.nodes.map((i) => ({ title: i.title, quantity: i.quantity })),
    shippingCity: node.shippingAddress?.city ?? null,
    shippingCountry: node.shippingAddress?.countryCodeV2 ?? null,
  };
}
