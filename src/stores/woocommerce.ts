import WooCommerceRestApiModule from '@woocommerce/woocommerce-rest-api';
import { z } from 'zod';
import type { FetchLike } from '../platform/fetch';
import { StoreApiError, storeErrorFromStatus } from './errors';
import type { FinancialStatus, FulfillmentStatus, Order, OrderSource } from './order';
import { carrierLink, findCarrier, safeHttpUrl } from './woocommerce-carriers';

/** Per request; a store answers in well under a second, so this only catches hung connections. */
export const WOOCOMMERCE_TIMEOUT_MS = 15_000;

/** The REST calls Draftline makes through @woocommerce/woocommerce-rest-api (axios underneath). */
export interface WooRestClient {
  get(endpoint: string, params?: Record<string, unknown>): Promise<{ data: unknown; headers: Record<string, string> }>;
  post(endpoint: string, data: unknown, params?: Record<string, unknown>): Promise<{ data: unknown }>;
  put(endpoint: string, data: unknown, params?: Record<string, unknown>): Promise<{ data: unknown }>;
  delete(endpoint: string, params?: Record<string, unknown>): Promise<{ data: unknown }>;
}

const WooCommerceRestApi = ((WooCommerceRestApiModule as unknown as { default?: unknown }).default ?? WooCommerceRestApiModule) as new (
  options: Record<string, unknown>,
) => WooRestClient;

/**
 * The one WooCommerce REST v3 client, for orders and for webhooks. axios' fetch adapter with
 * `env.fetch` makes it run on Workers and use our fetch (Basic auth over https, OAuth 1.0a query
 * signing over http, as the package does). Redirects are refused: the store URL was checked to be
 * a public address when it was connected, and a redirect could send the next request (with the
 * store keys on it) to any address, an internal one included. A store that moved answers 3xx.
 */
export function wooRestClient(opts: { storeUrl: string; consumerKey: string; consumerSecret: string; fetch: FetchLike }): WooRestClient {
  const noRedirects: FetchLike = (input, init) => opts.fetch(input, { ...init, redirect: 'manual' });
  return new WooCommerceRestApi({
    url: opts.storeUrl.replace(/\/+$/, ''),
    consumerKey: opts.consumerKey,
    consumerSecret: opts.consumerSecret,
    version: 'wc/v3',
    queryStringAuth: false,
    axiosConfig: { adapter: 'fetch', env: { fetch: noRedirects }, timeout: WOOCOMMERCE_TIMEOUT_MS, maxRedirects: 0 },
  });
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
  const api = wooRestClient(opts);

  async function search(term: string, page: number): Promise<{ orders: Order[]; totalPages: number }> {
    let response;
    try {
      response = await api.get('orders', { search: term, per_page: 50, page, orderby: 'date', order: 'desc' });
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
    async recentByEmail(email, limit) {
      const wanted = email.toLowerCase();
      const found: Order[] = [];
      const maxPages = opts.maxPages ?? 3;
      for (let page = 1; page <= maxPages && found.length < limit; page++) {
        const { orders, totalPages } = await search(email, page);
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
/** Orders can carry hundreds of meta entries (plugins, imports); we look at the first ones only. */
const MAX_META = 500;
/** Tracking entries read from one order's meta, and kept. */
const MAX_TRACKING_READ = 50;
const MAX_TRACKING = 10;

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
  billing: z.object({ email: optionalStr(320), postcode: optionalStr(40) }).nullish().catch(null),
  shipping: z.object({ city: optionalStr(120), country: optionalStr(3), postcode: optionalStr(40) }).nullish().catch(null),
  line_items: z.array(z.unknown()).catch([]),
  meta_data: z.array(z.unknown()).catch([]),
});
type WooOrder = z.infer<typeof WooOrderSchema>;

const LineItem = z.object({ name: str(500).transform((n) => n.trim().slice(0, 200)), quantity: z.number().int().min(1).max(100_000) });
const MetaEntry = z.object({ key: str(200), value: z.unknown() });

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
  return {
    number: o.number,
    email: o.billing?.email ?? '',
    createdAt: created,
    financialStatus: facts.financial,
    fulfillmentStatus: facts.fulfillment,
    tracking: trackingFrom(o.meta_data, {
      postcode: o.shipping?.postcode || o.billing?.postcode || null,
      country: o.shipping?.country || null,
    }),
    shipments: [],
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
  return Object.hasOwn(STATUS_FACTS, slug) ? STATUS_FACTS[slug]! : UNKNOWN;
}

// --- Tracking ------------------------------------------------------------------------------------

/**
 * One entry of `_wc_shipment_tracking_items` as the Shipment Tracking extension and Advanced
 * Shipment Tracking write it (see woocommerce-carriers.ts): `tracking_provider` is a carrier slug
 * (or, in newer Shipment Tracking, its name), `custom_tracking_provider`/`custom_tracking_link` are
 * set for custom carriers only. A tracking number stored as a JSON number is taken only while it
 * is exact (a 22-digit USPS number is not).
 */
const TrackingItem = z.object({
  tracking_provider: optionalStr(200),
  custom_tracking_provider: optionalStr(200),
  custom_tracking_link: optionalStr(2000),
  formatted_tracking_link: optionalStr(2000),
  tracking_number: z.union([str(200), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).transform(String)]),
});

/** 4 to 64 letters, digits and the separators carriers print; nothing that could break out of a URL or a sentence. */
const TRACKING_NUMBER = /^[A-Za-z0-9][A-Za-z0-9 ._/-]{2,62}[A-Za-z0-9]$/;

/** A name as a person would read it: no control characters, single spaces, at most 80 characters. */
function cleanName(value: string | undefined): string {
  return (value ?? '')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
}

/** The entries of the meta value: a list, or an object keyed 0, 1, … (PHP after an entry was deleted). */
function entriesOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.slice(0, MAX_TRACKING_READ);
  if (value && typeof value === 'object') return Object.values(value).slice(0, MAX_TRACKING_READ);
  return [];
}

export function trackingFrom(meta: unknown[], address: { postcode: string | null; country: string | null }): Order['tracking'] {
  const out: Order['tracking'] = [];
  for (const rawMeta of meta.slice(0, MAX_META)) {
    const entry = MetaEntry.safeParse(rawMeta);
    if (!entry.success || entry.data.key !== '_wc_shipment_tracking_items') continue;
    for (const rawItem of entriesOf(entry.data.value)) {
      const parsed = TrackingItem.safeParse(rawItem);
      if (!parsed.success) continue;
      const item = parsed.data;
      const number = item.tracking_number.trim();
      if (!TRACKING_NUMBER.test(number)) continue;
      const custom = { name: cleanName(item.custom_tracking_provider), url: safeHttpUrl(item.custom_tracking_link?.trim() ?? '') };
      let company: string;
      let url: string;
      const provider = cleanName(item.tracking_provider);
      const carrier = custom.name || !provider ? null : findCarrier(provider);
      if (custom.name) {
        // A custom carrier (Shipment Tracking: custom_tracking_provider wins whenever it is set).
        ({ name: company, url } = custom);
      } else if (carrier) {
        company = carrier.name;
        url = carrierLink(carrier, { number, ...address }) || custom.url;
      } else {
        // A slug we do not know (an AST custom carrier, a newer TrackShip one): its words, and
        // whatever link the plugin left.
        company = /[A-Z\s]/.test(provider) ? provider : provider.replace(/[-_]+/g, ' ');
        url = custom.url || safeHttpUrl(item.formatted_tracking_link?.trim() ?? '');
      }
      if (out.some((t) => t.number === number && t.company === company)) continue;
      out.push({ company, number, url });
      if (out.length >= MAX_TRACKING) return out;
    }
  }
  return out;
}
