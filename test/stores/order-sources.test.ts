import { describe, expect, it } from 'vitest';
import type { FetchLike } from '../../src/platform/fetch';
import { StoreApiError } from '../../src/stores/errors';
import type { Order, OrderSource } from '../../src/stores/order';
import { parseSelection } from '../../src/sandbox/fakes/shopify-cost';
import { createShopifyOrderSource } from '../../src/stores/shopify';
import { createWooCommerceOrderSource } from '../../src/stores/woocommerce';
import { verifyWooKeys } from '../../src/stores/woocommerce-connect';
import { wooWebhooksClient } from '../../src/stores/woocommerce-webhooks';
import { routeFetch } from '../../src/sandbox/fakes/route-fetch';
import { createShopifyFake } from '../../src/sandbox/fakes/shopify';
import { createWooCommerceFake } from '../../src/sandbox/fakes/woocommerce';
import { sampleOrder } from '../support/runtime';

/** The same behaviour from both platforms: each client against its fake, through an in-process fetch. */
const SHOP = 'acme.myshopify.com';
const BASE = 'http://stores.test';

function shopify(orders: Order[], token = 'shpat_good') {
  const fake = createShopifyFake();
  fake.addShop(SHOP, 'shpat_good', orders);
  const sleeps: number[] = [];
  const source = createShopifyOrderSource({
    shop: SHOP,
    accessToken: token,
    apiVersion: '2025-10',
    baseUrl: `${BASE}/shopify`,
    fetch: routeFetch(`${BASE}/shopify`, fake.app),
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { fake, source, sleeps, failNext: (status: number, count = 1) => fake.failNext({ status, count }) };
}

function woocommerce(orders: Order[], secret = 'cs_good') {
  const fake = createWooCommerceFake();
  fake.addStore('ck_good', 'cs_good', orders);
  // https, so the package uses Basic auth and the secret is checked.
  const source = createWooCommerceOrderSource({
    storeUrl: 'https://shop.example',
    consumerKey: 'ck_good',
    consumerSecret: secret,
    fetch: routeFetch('https://shop.example', fake.app),
  });
  return { fake, source, failNext: (status: number, count = 1) => fake.failNext({ status, count }) };
}

const platforms: [
  string,
  (orders: Order[], bad?: string) => { source: OrderSource; failNext: (s: number, c?: number) => void },
][] = [
  ['shopify', (o, bad) => shopify(o, bad ?? 'shpat_good')],
  ['woocommerce', (o, bad) => woocommerce(o, bad ?? 'cs_good')],
];

describe.each(platforms)('%s order source', (_name, make) => {
  const orders = [
    sampleOrder({ number: '1042', email: 'jane@example.net', createdAt: '2026-11-01T10:00:00Z' }),
    sampleOrder({ number: '10420', email: 'other@example.org', createdAt: '2026-11-02T10:00:00Z', tracking: [] }),
    sampleOrder({
      number: '1077',
      email: 'Jane@Example.net',
      createdAt: '2026-11-15T10:00:00Z',
      fulfillmentStatus: 'unfulfilled',
      tracking: [],
    }),
  ];

  it('finds an order by its exact number, not a longer one that merely starts with it', async () => {
    const { source } = make(orders);
    const order = await source.findByNumber('1042');
    expect(order).toMatchObject({
      number: '1042',
      email: 'jane@example.net',
      financialStatus: 'paid',
      fulfillmentStatus: 'fulfilled',
    });
    expect(order!.tracking).toEqual([
      { company: 'UPS', number: '1Z999AA10123456784', url: 'https://www.ups.com/track?tracknum=1Z999AA10123456784' },
    ]);
    expect(order!.items).toEqual([{ title: 'Blue mug', quantity: 2 }]);
    expect(order!.shippingCity).toBe('Lyon');
    expect(Date.parse(order!.createdAt)).toBe(Date.parse('2026-11-01T10:00:00Z'));
    expect(await source.findByNumber('104')).toBeNull();
    expect(await source.findByNumber('9999')).toBeNull();
  });

  it('finds an order by its number when many newer orders have numbers that start with it', async () => {
    // A shop past order #10420 has ten newer orders whose numbers begin with 1042.
    const longer = Array.from({ length: 10 }, (_, i) =>
      sampleOrder({ number: `1042${i}`, email: 'other@example.org', createdAt: `2026-11-${10 + i}T10:00:00Z` }),
    );
    const { source } = make([orders[0]!, ...longer]);
    expect((await source.findByNumber('1042'))?.email).toBe('jane@example.net');
    expect((await source.findByNumber('10427'))?.createdAt).toMatch(/^2026-11-17/);
  });

  it("returns the sender's orders newest first, matching the address whatever its case", async () => {
    const { source } = make(orders);
    const found = await source.recentByEmail('jane@example.net', 5);
    expect(found.map((o) => o.number)).toEqual(['1077', '1042']);
    expect(found[0]!.fulfillmentStatus).toBe('unfulfilled');
    expect(await source.recentByEmail('nobody@example.net', 5)).toEqual([]);
  });

  it('says where each parcel is: one shipment per parcel, with its tracking and dates', async () => {
    const tracking = {
      company: 'UPS',
      number: '1Z999AA10123456784',
      url: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
    };
    const shippedAt = '2026-11-02T08:00:00.000Z';
    const { source } = make([
      sampleOrder({
        number: '1042',
        tracking: [tracking],
        shipments: [
          {
            status: 'out_for_delivery',
            tracking,
            shippedAt,
            deliveredAt: null,
            estimatedDeliveryAt: '2026-11-05T00:00:00.000Z',
            lastEventAt: '2026-11-04T07:00:00.000Z',
          },
        ],
      }),
      sampleOrder({ number: '1077', fulfillmentStatus: 'unfulfilled', tracking: [], shipments: [] }),
    ]);
    expect((await source.findByNumber('1042'))!.shipments).toEqual([
      {
        status: 'out_for_delivery',
        tracking,
        shippedAt,
        deliveredAt: null,
        estimatedDeliveryAt: '2026-11-05T00:00:00.000Z',
        lastEventAt: '2026-11-04T07:00:00.000Z',
      },
    ]);
    // Not shipped: no parcel at all.
    expect((await source.findByNumber('1077'))!.shipments).toEqual([]);
  });

  it('fails as unauthorized with a wrong credential, and says nothing about the query', async () => {
    const { source } = make(orders, 'wrong');
    const err = await source.recentByEmail('jane@example.net', 1).catch((e) => e);
    expect(err).toBeInstanceOf(StoreApiError);
    expect(err).toMatchObject({ code: 'unauthorized', retryable: false });
    expect(String(err.message)).not.toMatch(/jane|example|1042/);
  });

  it('reports a server error as retryable, without content', async () => {
    const { source, failNext } = make(orders);
    failNext(500);
    const err = await source.findByNumber('1042').catch((e) => e);
    expect(err).toMatchObject({ code: 'server', retryable: true });
    expect(String(err.message)).not.toContain('1042');
    expect(await source.findByNumber('1042')).not.toBeNull();
  });
});

describe('shopify throttling', () => {
  it('waits for the bucket to refill, then answers', async () => {
    const { fake, source, sleeps } = shopify([sampleOrder()]);
    fake.failNext({ throttled: true, count: 2 });
    expect((await source.findByNumber('1042'))?.number).toBe('1042');
    expect(sleeps).toHaveLength(2);
    expect(sleeps.every((ms) => ms > 0 && ms <= 10_000)).toBe(true);
  });

  it('gives up with a retryable error when throttling lasts', async () => {
    const { fake, source } = shopify([sampleOrder()]);
    fake.failNext({ throttled: true, count: 10 });
    await expect(source.findByNumber('1042')).rejects.toMatchObject({ code: 'throttled', retryable: true });
  });

  it('throttles for real when the bucket is empty', async () => {
    const { fake, source, sleeps } = shopify([sampleOrder()]);
    fake.drain(SHOP, 0);
    await expect(source.findByNumber('1042')).rejects.toMatchObject({ code: 'throttled' });
    expect(sleeps.length).toBeGreaterThan(0);
  });
});

describe('shopify plans', () => {
  it("reports each plan's restore rate and a bucket of 20 seconds of it, as throttleStatus does", async () => {
    const fake = createShopifyFake();
    const status = async (plan?: 'standard' | 'plus') => {
      const shop = `${plan ?? 'default'}-shop.myshopify.com`;
      fake.addShop(shop, `shpat_${plan ?? 'default'}`, [], plan ? { plan } : {});
      const response = await fake.app.request(`/${shop}/admin/api/2025-10/graphql.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': `shpat_${plan ?? 'default'}` },
        body: JSON.stringify({ query: '{ orders(first: 1) { nodes { name } } }' }),
      });
      return ((await response.json()) as { extensions: { cost: { throttleStatus: unknown } } }).extensions.cost
        .throttleStatus;
    };
    expect(await status()).toMatchObject({ restoreRate: 100, maximumAvailable: 2000 });
    expect(await status('plus')).toMatchObject({ restoreRate: 1000, maximumAvailable: 20000 });
  });
});

describe('shopify query cost', () => {
  /** The requested cost Shopify put on each query the order source sent. */
  function costed(orders: Order[]) {
    const made = shopify(orders);
    const requested: number[] = [];
    const routed = routeFetch(`${BASE}/shopify`, made.fake.app);
    const source = createShopifyOrderSource({
      shop: SHOP,
      accessToken: 'shpat_good',
      apiVersion: '2025-10',
      baseUrl: `${BASE}/shopify`,
      fetch: async (url, init) => {
        const response = await routed(url, init);
        const body = await response.clone().json();
        requested.push(body.extensions?.cost?.requestedQueryCost);
        return response;
      },
    });
    return { ...made, source, requested };
  }

  it('keeps each lookup far below the 1,000-point single query limit, at Shopify’s own rates', async () => {
    const { source, requested } = costed([sampleOrder()]);
    await source.findByNumber('1042');
    await source.recentByEmail('jane@example.net', 3);
    expect(requested).toHaveLength(2);
    // Each lookup within what a Standard shop restores in three seconds (100 points/s), and the
    // biggest one allowed (5 recent orders) far below the 1,000 cap.
    for (const cost of requested) expect(cost).toBeLessThanOrEqual(300);
    await source.recentByEmail('jane@example.net', 50);
    expect(requested[2]).toBeLessThanOrEqual(500);
  });

  it('refuses a query over the limit in Shopify’s words, before running it (the fake as Shopify)', async () => {
    const { fake } = shopify([sampleOrder()]);
    const query = `query { orders(first: 20) { nodes { name fulfillments(first: 10) { trackingInfo(first: 10) { number } } lineItems(first: 50) { nodes { title } } } } }`;
    const response = await fake.app.request(`/${SHOP}/admin/api/2025-10/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_good' },
      body: JSON.stringify({ query }),
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    // 2 + 20 × (1 order + 10 fulfillments × (1 + 10 tracking) + (2 + 50 line items)) = 3,262
    expect(body.errors[0].extensions).toEqual({ code: 'MAX_COST_EXCEEDED', cost: 3262, maxCost: 1000 });
    expect(body.errors[0].message).toMatch(
      /^Query cost is 3262, which exceeds the single query max cost limit \(1000\)\./,
    );
    expect(body.data).toBeUndefined();
  });

  it('reads a hostile query in linear time and refuses it as a syntax error (the fake is exposed in the sandbox)', () => {
    const unterminated = `{ orders(query: "${'\\"'.repeat(300_000)}) { nodes { name } } }`;
    const deep = 'a{'.repeat(20_000);
    for (const query of [unterminated, deep]) {
      const started = performance.now();
      expect(parseSelection(query)).toBeNull();
      expect(performance.now() - started).toBeLessThan(1_000);
    }
    expect(parseSelection('{ orders(first: 2, query: "a \\"b\\" \\\\") { nodes { name } } }')?.[0]?.args).toEqual({
      first: 2,
      query: 'a \\"b\\" \\\\',
    });
  });

  it('serves lists and connections cut to the `first` asked for, and charges what came back', async () => {
    const { fake } = shopify([
      sampleOrder({ items: Array.from({ length: 4 }, (_, i) => ({ title: `Item ${i}`, quantity: 1 })) }),
    ]);
    const query = `query { orders(first: 5, query: "name:#1042") { nodes { name lineItems(first: 2) { nodes { title } } } } }`;
    const response = await fake.app.request(`/${SHOP}/admin/api/2025-10/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_good' },
      body: JSON.stringify({ query, variables: {} }),
    });
    const body = await response.json();
    expect(body.data.orders.nodes[0].lineItems.nodes.map((n: { title: string }) => n.title)).toEqual([
      'Item 0',
      'Item 1',
    ]);
    // Requested 2 + 5 × (1 + 2 + 2); actual 2 + 1 × (1 + 2 + 2) for the one order found.
    expect(body.extensions.cost).toMatchObject({ requestedQueryCost: 27, actualQueryCost: 7 });
  });
});

describe('woocommerce pagination', () => {
  it("follows X-WP-TotalPages to find a customer's orders beyond the first page", async () => {
    // WooCommerce's search matches substrings: 110 newer orders from jane@example.net.au fill the
    // first two pages (50 each) before Jane's own orders appear on the third.
    const many = Array.from({ length: 120 }, (_, i) =>
      sampleOrder({
        number: String(2000 + i),
        email: i >= 10 ? 'jane@example.net.au' : 'jane@example.net',
        createdAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
      }),
    );
    const fake = createWooCommerceFake();
    fake.addStore('ck', 'cs', many);
    const fetch: FetchLike = routeFetch('https://shop.example', fake.app);
    const source = createWooCommerceOrderSource({
      storeUrl: 'https://shop.example',
      consumerKey: 'ck',
      consumerSecret: 'cs',
      fetch,
    });
    const found = await source.recentByEmail('jane@example.net', 3);
    expect(found.map((o) => o.number)).toEqual(['2009', '2008', '2007']);
    expect(fake.calls()).toBe(3);
  });
});

describe('WooCommerce: redirects are refused, never followed', () => {
  /** A store whose REST API answers with a redirect to an internal address. */
  function redirectingStore() {
    const requests: { url: string; redirect: RequestRedirect | undefined }[] = [];
    const fetch: FetchLike = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      requests.push({ url, redirect: init?.redirect ?? (input instanceof Request ? input.redirect : undefined) });
      if (url.startsWith('https://shop.example.com/')) {
        return new Response(null, { status: 301, headers: { location: 'http://127.0.0.1:8080/wp-json/wc/v3/orders' } });
      }
      return new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    return { fetch, requests };
  }

  it('asks fetch not to follow, and turns the 3xx into a non-retryable StoreApiError', async () => {
    const store = redirectingStore();
    const source = createWooCommerceOrderSource({
      storeUrl: 'https://shop.example.com',
      consumerKey: 'ck_x',
      consumerSecret: 'cs_x',
      fetch: store.fetch,
    });
    const err = await source.findByNumber('1042').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreApiError);
    expect(err).toMatchObject({ status: 301, code: 'redirected', retryable: false });
    expect(store.requests).toHaveLength(1);
    expect(store.requests[0]!.redirect).toBe('manual');
  });

  it('says "moved" when keys are checked against a store that redirects', async () => {
    const store = redirectingStore();
    expect(await verifyWooKeys(store.fetch, 'https://shop.example.com', 'ck_x', 'cs_x')).toEqual({
      ok: false,
      reason: 'moved',
    });
    expect(store.requests.map((r) => new URL(r.url).host)).toEqual(['shop.example.com']);
  });
});

describe('WooCommerce: a store whose server drops the Authorization header', () => {
  // WooCommerce's REST API docs: "Occasionally some servers may not parse the Authorization header
  // correctly ... you may provide the consumer key/secret as query string parameters instead."
  function strippingStore() {
    const fake = createWooCommerceFake();
    const orders = [sampleOrder({ number: '1042', email: 'jane@example.net', createdAt: '2026-11-01T10:00:00Z' })];
    fake.addStore('ck_good', 'cs_good', orders, { dropsAuthorizationHeader: true });
    const urls: string[] = [];
    const inner = routeFetch('https://shop.example', fake.app);
    const fetch: FetchLike = (input, init) => {
      urls.push(input instanceof Request ? input.url : String(input));
      return inner(input, init);
    };
    return { fake, fetch, urls };
  }

  it('answers a Basic request as one without credentials, in the route’s own words', async () => {
    const { fetch } = strippingStore();
    const basic = { authorization: `Basic ${btoa('ck_good:cs_good')}` };
    const list = await fetch('https://shop.example/wp-json/wc/v3/orders', { headers: basic });
    expect(list.status).toBe(401);
    expect(await list.json()).toEqual({
      code: 'woocommerce_rest_cannot_view',
      message: 'Sorry, you cannot list resources.',
      data: { status: 401 },
    });
    const create = await fetch('https://shop.example/wp-json/wc/v3/webhooks', { method: 'POST', headers: basic });
    expect(((await create.json()) as { code: string }).code).toBe('woocommerce_rest_cannot_create');
    const ok = await fetch('https://shop.example/wp-json/wc/v3/orders?consumer_key=ck_good&consumer_secret=cs_good');
    expect(ok.status).toBe(200);
  });

  it('still connects, finds orders and registers webhooks, by sending the keys in the query string over https', async () => {
    const { fetch, urls } = strippingStore();
    expect(await verifyWooKeys(fetch, 'https://shop.example', 'ck_good', 'cs_good')).toEqual({ ok: true });
    const source = createWooCommerceOrderSource({
      storeUrl: 'https://shop.example',
      consumerKey: 'ck_good',
      consumerSecret: 'cs_good',
      fetch,
    });
    urls.length = 0;
    expect((await source.findByNumber('1042'))?.number).toBe('1042');
    // One refused Basic request, then the query string; the source keeps to it afterwards.
    expect((await source.recentByEmail('jane@example.net', 3)).map((o) => o.number)).toEqual(['1042']);
    expect(urls.map((u) => new URL(u).searchParams.has('consumer_secret'))).toEqual([false, true, true]);
    const hooks = wooWebhooksClient({
      storeUrl: 'https://shop.example',
      consumerKey: 'ck_good',
      consumerSecret: 'cs_good',
      fetch,
    });
    const hook = await hooks.create({ topic: 'customer.deleted', delivery_url: 'https://app.example/webhooks/woo' });
    expect(hook.topic).toBe('customer.deleted');
  });

  it('keeps the keys out of the URL when it is the keys that are refused', async () => {
    const { fake, fetch, urls } = strippingStore();
    fake.addStore('ck_other', 'cs_other', [], {});
    const wrong = createWooCommerceOrderSource({
      storeUrl: 'https://shop.example',
      consumerKey: 'ck_other',
      consumerSecret: 'cs_wrong',
      fetch,
    });
    await expect(wrong.findByNumber('1042')).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(urls.every((u) => !new URL(u).searchParams.has('consumer_secret'))).toBe(true);
  });
});

describe('WooCommerce fake: pagination as WP_REST answers it', () => {
  it('refuses per_page above 100, says 0 pages for no match, and links the next and previous pages', async () => {
    const fake = createWooCommerceFake();
    const many = Array.from({ length: 120 }, (_, i) =>
      sampleOrder({ number: String(3000 + i), createdAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString() }),
    );
    fake.addStore('ck', 'cs', many);
    const fetch = routeFetch('https://shop.example', fake.app);
    const get = (query: string) =>
      fetch(`https://shop.example/wp-json/wc/v3/orders?${query}`, {
        headers: { authorization: `Basic ${btoa('ck:cs')}` },
      });
    const tooMany = await get('per_page=101');
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ code: 'rest_invalid_param', data: { status: 400 } });
    const none = await get('search=nobody%40example.org');
    expect([none.headers.get('x-wp-total'), none.headers.get('x-wp-totalpages'), none.headers.get('link')]).toEqual([
      '0',
      '0',
      null,
    ]);
    const middle = await get('per_page=50&page=2');
    expect(middle.headers.get('x-wp-totalpages')).toBe('3');
    expect(middle.headers.get('link')).toBe(
      '<https://shop.example/wp-json/wc/v3/orders?per_page=50&page=1>; rel="prev", <https://shop.example/wp-json/wc/v3/orders?per_page=50&page=3>; rel="next"',
    );
    // The order source reads "0 pages" as "nothing more to read".
    const source = createWooCommerceOrderSource({
      storeUrl: 'https://shop.example',
      consumerKey: 'ck',
      consumerSecret: 'cs',
      fetch,
    });
    const before = fake.calls();
    expect(await source.recentByEmail('nobody@example.org', 3)).toEqual([]);
    expect(fake.calls() - before).toBe(1);
  });
});
