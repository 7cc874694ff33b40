import WooCommerceRestApiModule from '@woocommerce/woocommerce-rest-api';
import type { FetchLike } from '../platform/fetch';
import { neutralStatus, StoreApiError, storeErrorFromStatus } from './errors';
import type { Order, OrderSource } from './order';

/**
 * Orders from WooCommerce REST v3 through @woocommerce/woocommerce-rest-api. It is built on axios;
 * axios' fetch adapter with `env.fetch` makes it run on Workers and use our fetch (Basic auth over
 * https, OAuth 1.0a query signing over http, as the package does).
 */
/** Per request; a store answers in well under a second, so this only catches hung connections. */
export const WOOCOMMERCE_TIMEOUT_MS = 15_000;

/**
 * axios over our fetch, with redirects refused. The store URL was checked to be a public address
 * when it was connected; a redirect could send the next request (with the store keys on it) to any
 * address, an internal one included. A store that moved answers 3xx: StoreApiError 'redirected'.
 */
export function wooAxiosConfig(fetch: FetchLike, timeoutMs = WOOCOMMERCE_TIMEOUT_MS) {
  const noRedirects: FetchLike = (input, init) => fetch(input, { ...init, redirect: 'manual' });
  return { adapter: 'fetch', env: { fetch: noRedirects }, timeout: timeoutMs, maxRedirects: 0 };
}

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

type WooApi = { get(endpoint: string, params?: Record<string, unknown>): Promise<{ data: unknown; headers: Record<string, string> }> };
const WooCommerceRestApi = ((WooCommerceRestApiModule as unknown as { default?: unknown }).default ?? WooCommerceRestApiModule) as new (
  options: Record<string, unknown>,
) => WooApi;

export function createWooCommerceOrderSource(opts: WooCommerceOrderSourceOptions): OrderSource {
  const api = new WooCommerceRestApi({
    url: opts.storeUrl.replace(/\/+$/, ''),
    consumerKey: opts.consumerKey,
    consumerSecret: opts.consumerSecret,
    version: 'wc/v3',
    queryStringAuth: false,
    axiosConfig: wooAxiosConfig(opts.fetch),
  });

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
