import WooCommerceRestApiModule from '@woocommerce/woocommerce-rest-api';
import { z } from 'zod';
import type { FetchLike } from '../platform/fetch';
import { StoreApiError, storeErrorFromStatus } from './errors';
import type { FinancialStatus, FulfillmentStatus, Order, OrderSource } from './order';
import { instant } from './shipments';
import { wooShipments } from './woocommerce-shipments';
import { trackingEntries } from './woocommerce-tracking';
import { ownEntry } from '../platform/own-entry';

/** Per request; a store answers in well under a second, so this only catches hung connections. */
export const WOOCOMMERCE_TIMEOUT_MS = 15_000;

/** The REST calls Draftline makes through @woocommerce/woocommerce-rest-api (axios underneath). */
export interface WooRestClient {
  get(endpoint: string, params?: Record<string, unknown>): Promise<{ data: unknown; headers: Record<string, string> }>;
  post(endpoint: string, data: unknown, params?: Record<string, unknown>): Promise<{ data: unknown }>;
  put(endpoint: string, data: unknown, params?: Record<string, unknown>): Promise<{ data: unknown }>;
  delete(endpoint: string, params?: Record<string, unknown>): Promise<{ data: unknown }>;
}

const WooCommerceRestApi = ((WooCommerceRestApiModule as unknown as { default?: unknown }).default ??
  WooCommerceRestApiModule) as new (
  options: Record<string, unknown>,
) => WooRestClient;

/**
 * How a store takes our keys over https. WooCommerce documents hosts whose server drops the
 * Authorization header before WordPress sees it ("Occasionally some servers may not parse the
 * Authorization header correctly ... you may provide the consumer key/secret as query string
 * parameters instead", REST API docs, Authentication over HTTPS). There every Basic request is
 * refused as one without credentials: 401 with a route's woocommerce_rest_cannot_* code, where
 * keys WooCommerce did see but refused get woocommerce_rest_authentication_error. Shared by the
 * clients of one order source, so the switch is made once.
 */
export interface WooAuthMode {
  queryString: boolean;
}

/** WooCommerce saw no credentials: a route's permission check refused (cannot_view, cannot_create, …). */
function credentialsNotSeen(err: unknown): boolean {
  const response = (err as { response?: { status?: number; data?: { code?: unknown } } }).response;
  return (
    response?.status === 401 &&
    typeof response.data?.code === 'string' &&
    /^woocommerce_rest_cannot_[a-z]+$/.test(response.data.code)
  );
}

/**
 * The one WooCommerce REST v3 client, for orders and for webhooks. axios' fetch adapter with
 * `env.fetch` makes it run on Workers and use our fetch (Basic auth over https, OAuth 1.0a query
 * signing over http, as the package does). Redirects are refused: the store URL was checked to be
 * a public address when it was connected, and a redirect could send the next request (with the
 * store keys on it) to any address, an internal one included. A store that moved answers 3xx.
 * Over https, a Basic request WooCommerce answers as if it carried no keys is made once more with
 * the keys in the query string (WooAuthMode), and the client keeps to that.
 */
export function wooRestClient(opts: {
  storeUrl: string;
  consumerKey: string;
  consumerSecret: string;
  fetch: FetchLike;
  signal?: AbortSignal;
  auth?: WooAuthMode;
}): WooRestClient {
  const noRedirects: FetchLike = (input, init) => opts.fetch(input, { ...init, redirect: 'manual' });
  const url = opts.storeUrl.replace(/\/+$/, '');
  const https = /^https:/i.test(url);
  const mode = opts.auth ?? { queryString: false };
  const make = (queryStringAuth: boolean): WooRestClient =>
    new WooCommerceRestApi({
      url,
      consumerKey: opts.consumerKey,
      consumerSecret: opts.consumerSecret,
      version: 'wc/v3',
      queryStringAuth,
      axiosConfig: {
        adapter: 'fetch',
        env: { fetch: noRedirects },
        timeout: WOOCOMMERCE_TIMEOUT_MS,
        maxRedirects: 0,
        signal: opts.signal,
      },
    });
  const clients: { basic?: WooRestClient; query?: WooRestClient } = {};
  const current = () => (mode.queryString && https ? (clients.query ??= make(true)) : (clients.basic ??= make(false)));
  async function call<T>(run: (client: WooRestClient) => Promise<T>): Promise<T> {
    const viaQuery = mode.queryString;
    try {
      return await run(current());
    } catch (err) {
      if (viaQuery || !https || !credentialsNotSeen(err)) throw err;
      mode.queryString = true;
      return run(current());
    }
  }
  return {
    get: (endpoint, params) => call((c) => c.get(endpoint, params)),
    post: (endpoint, data, params) => call((c) => c.post(endpoint, data, params)),
    put: (endpoint, data, params) => call((c) => c.put(endpoint, data, params)),
    delete: (endpoint, params) => call((c) => c.delete(endpoint, params)),
  };
}

/** Orders from WooCommerce REST v3, searched by order number or by the customer's address. */
export interface WooCommerceOrderSourceOptions {
  storeUrl: string;
  consumerKey: string;
  consumerSecret: string;
  fetch: FetchLike;
  /** Pages of search results read at most when looking for someone's orders. */
  maxPages?: number;
}

export function createWooCommerceOrderSource(opts: WooCommerceOrderSourceOptions): OrderSource {
  const auth: WooAuthMode = { queryString: false };
  const api = wooRestClient({ ...opts, auth });

  async function search(
    term: string,
    page: number,
    signal?: AbortSignal,
  ): Promise<{ orders: Order[]; totalPages: number }> {
    let response;
    try {
      // The package takes axios options per client only: one for this call, when it carries a signal.
      response = await (signal ? wooRestClient({ ...opts, signal, auth }) : api).get('orders', {
        search: term,
        per_page: 50,
        page,
        orderby: 'date',
        order: 'desc',
      });
    } catch (err) {
      const status = (err as { response?: { status?: number } }).response?.status ?? 0;
      throw storeErrorFromStatus(status);
    }
    if (!Array.isArray(response.data)) throw new StoreApiError(200, 'bad_response');
    const totalPages = Number(response.headers['x-wp-totalpages'] ?? '1') || 1;
    return { orders: readWooOrders(response.data), totalPages };
  }

  return {
    async findByNumber(number) {
      const { orders } = await search(number, 1);
      return orders.find((o) => o.number === number) ?? null;
    },
    async recentByEmail(email, limit, signal) {
      const wanted = email.toLowerCase();
      const found: Order[] = [];
      const maxPages = opts.maxPages ?? 3;
      for (let page = 1; page <= maxPages && found.length < limit; page++) {
        const { orders, totalPages } = await search(email, page, signal);
        found.push(...orders.filter((o) => o.email.toLowerCase() === wanted));
        if (page >= totalPages) break;
      }
      return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
    },
  };
}

/** A search answers at most per_page (50) orders; anything past that is not an order list we asked for. */
const MAX_ORDERS = 100;
const MAX_ITEMS = 50;

const str = (max: number) => z.string().max(max);
const optionalStr = (max: number) => str(max).optional().catch(undefined);

/**
 * A WooCommerce REST v3 order as GET /wp-json/wc/v3/orders returns it, read defensively: order
 * data is whatever the store and its plugins put there, so every field is checked, a wrong field
 * falls back to "not given", and an order without a usable number is dropped.
 */
const WooOrderSchema = z.object({
  number: z.union([str(40).regex(/^\S+$/), z.number().int().nonnegative().transform(String)]),
  status: str(64).catch('unknown'),
  date_created: str(40).catch(''),
  date_created_gmt: str(40).nullish().catch(null),
  date_completed_gmt: str(40).nullish().catch(null),
  billing: z
    .object({ email: optionalStr(320), postcode: optionalStr(40) })
    .nullish()
    .catch(null),
  shipping: z
    .object({ city: optionalStr(120), country: optionalStr(3), postcode: optionalStr(40) })
    .nullish()
    .catch(null),
  line_items: z.array(z.unknown()).catch([]),
  meta_data: z.array(z.unknown()).catch([]),
});
type WooOrder = z.infer<typeof WooOrderSchema>;

const LineItem = z.object({
  name: str(500).transform((n) => n.trim().slice(0, 200)),
  quantity: z.number().int().min(1).max(100_000),
});

/** The orders of one REST answer in Draftline's neutral shape; entries that are not orders are skipped. */
export function readWooOrders(data: unknown): Order[] {
  if (!Array.isArray(data)) throw new StoreApiError(200, 'bad_response');
  return data.slice(0, MAX_ORDERS).flatMap((raw) => {
    const parsed = WooOrderSchema.safeParse(raw);
    return parsed.success ? [toOrder(parsed.data)] : [];
  });
}

function toOrder(o: WooOrder): Order {
  const created = o.date_created_gmt ? `${o.date_created_gmt.replace(/Z?$/, '')}Z` : o.date_created;
  const facts = statusFacts(o.status);
  const entries = trackingEntries(o.meta_data, {
    postcode: o.shipping?.postcode || o.billing?.postcode || null,
    country: o.shipping?.country || null,
  });
  const { shipments, cancelled } = wooShipments(entries, o.meta_data, {
    fulfillment: facts.fulfillment,
    dateCompleted: instant(o.date_completed_gmt),
  });
  return {
    number: o.number,
    email: o.billing?.email ?? '',
    createdAt: created,
    financialStatus: facts.financial,
    fulfillmentStatus: facts.fulfillment,
    tracking: entries.filter((e) => !cancelled.has(e.key)).map((e) => e.tracking),
    shipments,
    items: o.line_items.slice(0, MAX_ITEMS).flatMap((i) => {
      const item = LineItem.safeParse(i);
      return item.success && item.data.name ? [{ title: item.data.name, quantity: item.data.quantity }] : [];
    }),
    shippingCity: o.shipping?.city || null,
    shippingCountry: o.shipping?.country || null,
  };
}

// --- Statuses ------------------------------------------------------------------------------------

interface StatusFacts {
  fulfillment: FulfillmentStatus;
  financial: FinancialStatus;
}

/**
 * WooCommerce has one order status; Draftline speaks of fulfilment and payment separately. Core
 * statuses (wc_get_order_statuses(): pending, processing, on-hold, completed, cancelled, refunded,
 * failed, checkout-draft; "draft" for orders made in the admin) and the ones shipping plugins
 * register: Advanced Shipment Tracking adds delivered, partial-shipped and updated-tracking
 * (WC_Advanced_Shipment_Tracking_Settings::register_order_status), its Pro version and other
 * plugins shipped, in-transit, out-for-delivery, ready-to-ship. Any other status is `unknown`,
 * never "not shipped": a plugin's own status can mean anything, including "delivered".
 */
const STATUS_FACTS: Readonly<Record<string, StatusFacts>> = {
  pending: { fulfillment: 'unfulfilled', financial: 'pending' },
  'on-hold': { fulfillment: 'unfulfilled', financial: 'pending' },
  failed: { fulfillment: 'unfulfilled', financial: 'failed' },
  draft: { fulfillment: 'unfulfilled', financial: 'pending' },
  'checkout-draft': { fulfillment: 'unfulfilled', financial: 'pending' },
  processing: { fulfillment: 'unfulfilled', financial: 'paid' },
  'ready-to-ship': { fulfillment: 'ready_to_ship', financial: 'paid' },
  completed: { fulfillment: 'fulfilled', financial: 'paid' },
  shipped: { fulfillment: 'shipped', financial: 'paid' },
  'updated-tracking': { fulfillment: 'shipped', financial: 'paid' },
  'partial-shipped': { fulfillment: 'partially_fulfilled', financial: 'paid' },
  'partially-shipped': { fulfillment: 'partially_fulfilled', financial: 'paid' },
  'in-transit': { fulfillment: 'in_transit', financial: 'paid' },
  'out-for-delivery': { fulfillment: 'out_for_delivery', financial: 'paid' },
  delivered: { fulfillment: 'delivered', financial: 'paid' },
  cancelled: { fulfillment: 'cancelled', financial: 'voided' },
  refunded: { fulfillment: 'refunded', financial: 'refunded' },
};
const UNKNOWN: StatusFacts = { fulfillment: 'unknown', financial: 'unknown' };

/** The neutral facts behind a WooCommerce status slug (REST gives it without the "wc-" prefix; some plugins keep it). */
export function statusFacts(status: string): StatusFacts {
  const slug = status.trim().toLowerCase().replace(/^wc-/, '').replace(/_/g, '-');
  return ownEntry(STATUS_FACTS, slug) ?? UNKNOWN;
}
