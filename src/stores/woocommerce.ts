import WooCommerceRestApiModule from '@woocommerce/woocommerce-rest-api';
import type { FetchLike } from '../platform/fetch';
import { neutralStatus, StoreApiError, storeErrorFromStatus } from './errors';
import type { Order, OrderSource } from './order';

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

interface WooOrder {
  id: number;
  number: string;
  status: string;
  date_created_gmt?: string;
  date_created: string;
  billing?: { email?: string };
  shipping?: { city?: string; country?: string };
  line_items?: { name: string; quantity: number }[];
  meta_data?: { key: string; value: unknown }[];
}

interface ShipmentTrackingItem {
  tracking_provider?: string;
  custom_tracking_provider?: string;
  tracking_number?: string;
  custom_tracking_link?: string;
}

export function createWooCommerceOrderSource(opts: WooCommerceOrderSourceOptions): OrderSource {
  const api = wooRestClient(opts);

  async function search(term: string, page: number): Promise<{ orders: WooOrder[]; totalPages: number }> {
    let response;
    try {
      response = await api.get('orders', { search: term, per_page: 50, page, orderby: 'date', order: 'desc' });
    } catch (err) {
      const status = (err as { response?: { status?: number } }).response?.status ?? 0;
      throw storeErrorFromStatus(status);
    }
    if (!Array.isArray(response.data)) throw new StoreApiError(200, 'bad_response');
    const totalPages = Number(response.headers['x-wp-totalpages'] ?? '1') || 1;
    return { orders: response.data as WooOrder[], totalPages };
  }

  return {
    async findByNumber(number) {
      const { orders } = await search(number, 1);
      const order = orders.find((o) => String(o.number) === number);
      return order ? toOrder(order) : null;
    },
    async recentByEmail(email, limit) {
      const wanted = email.toLowerCase();
      const found: Order[] = [];
      const maxPages = opts.maxPages ?? 3;
      for (let page = 1; page <= maxPages && found.length < limit; page++) {
        const { orders, totalPages } = await search(email, page);
        found.push(...orders.filter((o) => o.billing?.email?.toLowerCase() === wanted).map(toOrder));
        if (page >= totalPages) break;
      }
      return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
    },
  };
}

function toOrder(o: WooOrder): Order {
  const created = o.date_created_gmt ? `${o.date_created_gmt.replace(/Z?$/, '')}Z` : o.date_created;
  return {
    number: String(o.number),
    email: o.billing?.email ?? '',
    createdAt: created,
    financialStatus: neutralStatus(financialFromStatus(o.status)),
    fulfillmentStatus: neutralStatus(fulfillmentFromStatus(o.status)),
    tracking: trackingFrom(o.meta_data ?? []),
    items: (o.line_items ?? []).map((i) => ({ title: i.name, quantity: i.quantity })),
    shippingCity: o.shipping?.city || null,
    shippingCountry: o.shipping?.country || null,
  };
}

/** WooCommerce has one status; Draftline speaks of payment and fulfilment separately. */
function financialFromStatus(status: string): string {
  if (status === 'refunded') return 'refunded';
  if (status === 'pending' || status === 'on-hold' || status === 'failed') return 'pending';
  if (status === 'cancelled') return 'voided';
  return 'paid';
}

function fulfillmentFromStatus(status: string): string {
  if (status === 'completed') return 'fulfilled';
  if (status === 'cancelled' || status === 'refunded') return status;
  return 'unfulfilled';
}

/** The common Shipment Tracking extension's meta: `_wc_shipment_tracking_items`. */
function trackingFrom(meta: { key: string; value: unknown }[]): Order['tracking'] {
  const items = meta.find((m) => m.key === '_wc_shipment_tracking_items')?.value;
  if (!Array.isArray(items)) return [];
  return (items as ShipmentTrackingItem[])
    .filter((t) => t.tracking_number)
    .map((t) => ({
      company: t.custom_tracking_provider || t.tracking_provider || '',
      number: String(t.tracking_number),
      url: t.custom_tracking_link ?? '',
    }));
}
