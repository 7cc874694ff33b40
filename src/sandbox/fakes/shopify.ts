import { Hono } from 'hono';
import type { Order } from '../../stores/order';

/**
 * A fake Shopify: the Admin GraphQL orders query as Shopify answers it (order shape, search syntax,
 * `extensions.cost` with a draining and refilling bucket, THROTTLED errors at HTTP 200, 401 for a
 * bad token, 404 for an unknown shop). Orders are seeded in Draftline's neutral shape and served in
 * Shopify's. Routes are relative: mounted at /sandbox/shopify, a shop lives at /{shop}/admin/...
 */
export interface ShopifyFakeOptions {
  apiKey?: string;
  apiSecret?: string;
  latencyMs?: number;
  now?: () => number;
}

const MAX_AVAILABLE = 2000;
const RESTORE_RATE = 100;

interface Shop {
  token: string;
  orders: Order[];
  bucket: number;
  bucketAt: number;
  calls: number;
}

export function createShopifyFake(options: ShopifyFakeOptions = {}) {
  const now = options.now ?? Date.now;
  const shops = new Map<string, Shop>();
  let faults: { status?: number; throttled?: boolean; count: number }[] = [];

  const app = new Hono();
  app.post('/:shop/admin/api/:version/graphql.json', async (c) => {
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const shop = shops.get(c.req.param('shop'));
    if (!shop) return c.text('Not Found', 404);
    shop.calls++;
    if (c.req.header('x-shopify-access-token') !== shop.token) {
      return c.json({ errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' }, 401);
    }
    const fault = faults[0];
    if (fault) {
      if (--fault.count <= 0) faults.shift();
      if (fault.status) return c.json({ errors: 'Internal Server Error' }, fault.status as 500);
    }
    let body: { query?: unknown; variables?: { first?: number; query?: string } };
    try {
      body = await c.req.json();
    } catch {
      return c.json({ errors: { query: 'Required parameter missing or invalid' } }, 400);
    }
    if (typeof body.query !== 'string' || !/\borders\s*\(/.test(body.query)) {
      return c.json({ errors: [{ message: 'This fake only answers the orders query', extensions: { code: 'unsupported' } }] }, 200);
    }

    const first = Math.min(250, Math.max(1, Number(body.variables?.first ?? 10)));
    const requestedQueryCost = 2 + first * 3;
    refill(shop);
    if (fault?.throttled || shop.bucket < requestedQueryCost) {
      return c.json({
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
        extensions: { cost: cost(shop, requestedQueryCost, 0) },
      });
    }
    const matches = search(shop.orders, String(body.variables?.query ?? '')).slice(0, first);
    const actualQueryCost = 2 + matches.length * 3;
    shop.bucket -= actualQueryCost;
    return c.json({
      data: { orders: { nodes: matches.map(toShopifyOrder), pageInfo: { hasNextPage: false, endCursor: null } } },
      extensions: { cost: cost(shop, requestedQueryCost, actualQueryCost) },
    });
  });

  function refill(shop: Shop) {
    const t = now();
    shop.bucket = Math.min(MAX_AVAILABLE, shop.bucket + ((t - shop.bucketAt) / 1000) * RESTORE_RATE);
    shop.bucketAt = t;
  }
  const cost = (shop: Shop, requestedQueryCost: number, actualQueryCost: number) => ({
    requestedQueryCost,
    actualQueryCost,
    throttleStatus: { maximumAvailable: MAX_AVAILABLE, currentlyAvailable: Math.floor(shop.bucket), restoreRate: RESTORE_RATE },
  });

  return {
    app,
    addShop(domain: string, token: string, orders: Order[]) {
      shops.set(domain, { token, orders: structuredClone(orders), bucket: MAX_AVAILABLE, bucketAt: now(), calls: 0 });
    },
    /** Empties a shop's bucket, as a burst of other apps' queries would. */
    drain(domain: string, to = 0) {
      const shop = shops.get(domain);
      if (shop) (shop.bucket = to), (shop.bucketAt = now());
    },
    failNext(fault: { status?: number; throttled?: boolean; count?: number }) {
      faults.push({ ...fault, count: fault.count ?? 1 });
    },
    calls: (domain: string) => shops.get(domain)?.calls ?? 0,
    reset() {
      shops.clear();
      faults = [];
    },
  };
}

/** Shopify search syntax, the part Draftline uses: `name:#1042`, `name:1042`, `email:"a@b.c"`. */
function search(orders: Order[], query: string): Order[] {
  const m = /^(name|email):"?([^"]*)"?$/.exec(query.trim());
  if (!m) return [];
  const [, field, value] = m as unknown as [string, string, string];
  const sorted = [...orders].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (field === 'email') return sorted.filter((o) => o.email.toLowerCase() === value.toLowerCase());
  // Like Shopify, the name search is fuzzy: a prefix matches too (#104 finds #1042).
  const wanted = value.replace(/^#/, '');
  return sorted.filter((o) => o.number.startsWith(wanted));
}

const FINANCIAL: Record<string, string> = { paid: 'PAID', pending: 'PENDING', refunded: 'REFUNDED', partially_refunded: 'PARTIALLY_REFUNDED', authorized: 'AUTHORIZED', voided: 'VOIDED' };
const FULFILLMENT: Record<string, string> = { fulfilled: 'FULFILLED', unfulfilled: 'UNFULFILLED', partially_fulfilled: 'PARTIALLY_FULFILLED', in_progress: 'IN_PROGRESS', on_hold: 'ON_HOLD' };

function toShopifyOrder(o: Order) {
  const upper = (map: Record<string, string>, v: string) => map[v.toLowerCase()] ?? v.toUpperCase().replace(/\s+/g, '_');
  return {
    name: `#${o.number}`,
    email: o.email,
    createdAt: o.createdAt,
    displayFinancialStatus: upper(FINANCIAL, o.financialStatus),
    displayFulfillmentStatus: upper(FULFILLMENT, o.fulfillmentStatus),
    fulfillments: o.tracking.length ? [{ status: 'SUCCESS', trackingInfo: o.tracking.map((t) => ({ number: t.number, url: t.url, company: t.company })) }] : [],
    lineItems: { nodes: o.items.map((i) => ({ title: i.title, quantity: i.quantity })) },
    shippingAddress: o.shippingCity || o.shippingCountry ? { city: o.shippingCity, countryCodeV2: o.shippingCountry } : null,
  };
}
