import { Hono, type Context } from 'hono';
import type { Order } from '../../src/stores/order';

/**
 * A fake WooCommerce store: REST v3 orders as WooCommerce answers them (order JSON, `search`,
 * `per_page`/`page` with X-WP-Total/X-WP-TotalPages, its error bodies), authenticated by HTTP Basic
 * (https) or OAuth 1.0a query parameters (http; the fake checks the consumer key, not the signature).
 * Orders are seeded in Draftline's neutral shape. Routes are relative: mounted at
 * /sandbox/woocommerce, the store's REST root is /wp-json/wc/v3/.
 */
export interface WooCommerceFakeOptions {
  latencyMs?: number;
  /** How the store reaches outside URLs (key delivery to callback_url in a later flow). */
  deliver?: (req: Request) => Promise<Response>;
}

interface Store {
  secret: string;
  orders: (Order & { id: number })[];
}

const wooError = (c: Context, status: 401 | 404 | 400 | 500, code: string, message: string) =>
  c.json({ code, message, data: { status } }, status);

export function createWooCommerceFake(options: WooCommerceFakeOptions = {}) {
  const stores = new Map<string, Store>();
  let faults: { status: number; count: number }[] = [];
  let calls = 0;

  const app = new Hono();
  app.use('/wp-json/wc/v3/*', async (c, next) => {
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    calls++;
    const fault = faults[0];
    if (fault) {
      if (--fault.count <= 0) faults.shift();
      return wooError(c, fault.status as 500, 'internal_server_error', 'There has been a critical error on this website.');
    }
    const key = consumerKeyOf(c);
    if (!key) return wooError(c, 401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.');
    const store = stores.get(key.key);
    if (!store || (key.secret !== null && key.secret !== store.secret)) {
      return wooError(c, 401, 'woocommerce_rest_authentication_error', 'Invalid signature - provided signature does not match.');
    }
    c.set('store' as never, store as never);
    await next();
  });

  app.get('/wp-json/wc/v3/orders', (c) => {
    const store = c.get('store' as never) as Store;
    const perPage = Math.min(100, Math.max(1, Number(c.req.query('per_page') ?? 10)));
    const page = Math.max(1, Number(c.req.query('page') ?? 1));
    const term = (c.req.query('search') ?? '').toLowerCase();
    const asc = c.req.query('order') === 'asc';
    const matches = store.orders
      .filter((o) => !term || o.number.includes(term) || String(o.id) === term || o.email.toLowerCase().includes(term))
      .sort((a, b) => (asc ? 1 : -1) * a.createdAt.localeCompare(b.createdAt));
    const totalPages = Math.max(1, Math.ceil(matches.length / perPage));
    c.header('X-WP-Total', String(matches.length));
    c.header('X-WP-TotalPages', String(totalPages));
    return c.json(matches.slice((page - 1) * perPage, page * perPage).map(toWooOrder));
  });

  app.get('/wp-json/wc/v3/orders/:id', (c) => {
    const store = c.get('store' as never) as Store;
    const order = store.orders.find((o) => String(o.id) === c.req.param('id'));
    return order ? c.json(toWooOrder(order)) : wooError(c, 404, 'woocommerce_rest_shop_order_invalid_id', 'Invalid ID.');
  });

  return {
    app,
    addStore(consumerKey: string, consumerSecret: string, orders: Order[]) {
      stores.set(consumerKey, { secret: consumerSecret, orders: orders.map((o, i) => ({ ...structuredClone(o), id: 5000 + i })) });
    },
    failNext(fault: { status: number; count?: number }) {
      faults.push({ status: fault.status, count: fault.count ?? 1 });
    },
    calls: () => calls,
    deliver: options.deliver,
    reset() {
      stores.clear();
      faults = [];
      calls = 0;
    },
  };
}

function consumerKeyOf(c: Context): { key: string; secret: string | null } | null {
  const auth = c.req.header('authorization');
  if (auth?.startsWith('Basic ')) {
    const [key, secret] = atob(auth.slice(6)).split(':');
    return key ? { key, secret: secret ?? '' } : null;
  }
  const oauthKey = c.req.query('oauth_consumer_key');
  if (oauthKey && c.req.query('oauth_signature')) return { key: oauthKey, secret: null };
  const key = c.req.query('consumer_key');
  return key ? { key, secret: c.req.query('consumer_secret') ?? '' } : null;
}

const WOO_STATUS = (o: Order): string => {
  if (o.financialStatus === 'refunded') return 'refunded';
  if (o.financialStatus === 'pending') return 'pending';
  if (o.fulfillmentStatus === 'fulfilled') return 'completed';
  return 'processing';
};

function toWooOrder(o: Order & { id: number }) {
  const gmt = o.createdAt.replace(/(\.\d+)?Z$/, '');
  return {
    id: o.id,
    parent_id: 0,
    number: o.number,
    status: WOO_STATUS(o),
    currency: 'EUR',
    date_created: gmt,
    date_created_gmt: gmt,
    billing: { first_name: '', last_name: '', email: o.email },
    shipping: { first_name: '', last_name: '', city: o.shippingCity ?? '', country: o.shippingCountry ?? '' },
    line_items: o.items.map((i, n) => ({ id: n + 1, name: i.title, quantity: i.quantity })),
    meta_data: o.tracking.length
      ? [
          {
            id: 1,
            key: '_wc_shipment_tracking_items',
            value: o.tracking.map((t, n) => ({
              tracking_provider: '',
              custom_tracking_provider: t.company,
              tracking_number: t.number,
              custom_tracking_link: t.url,
              date_shipped: String(Math.floor(Date.parse(o.createdAt) / 1000)),
              tracking_id: `t${n}`,
            })),
          },
        ]
      : [],
  };
}
