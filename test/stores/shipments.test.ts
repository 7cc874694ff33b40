import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStoreConnection } from '../../src/db/accounts';
import { openStoreCredentials } from '../../src/db/sealed';
import { routeFetch } from '../../src/sandbox/fakes/route-fetch';
import { createShopifyFake } from '../../src/sandbox/fakes/shopify';
import { createWooCommerceFake, type TrackingPlugin } from '../../src/sandbox/fakes/woocommerce';
import type { Order, Shipment, TrackingInfo } from '../../src/stores/order';
import { instant } from '../../src/stores/shipments';
import { createShopifyOrderSource } from '../../src/stores/shopify';
import { parcelsFromFulfillments } from '../../src/stores/shopify-shipments';
import { readWooOrders } from '../../src/stores/woocommerce';
import { createWooCommerceOrderSource } from '../../src/stores/woocommerce';
import { sampleOrder, startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * Where the parcel is, from both platforms: the same neutral order, served by each fake in its
 * own shape (Shopify fulfillments with displayStatus, dates and events; WooCommerce tracking
 * entries with TrackShip's metas), read back by each client, gives the same Shipments.
 */
const SHOP = 'acme.myshopify.com';
const day = (n: number) => new Date(Date.UTC(2026, 10, n, 9, 30)).toISOString();
const ups = (n: string): TrackingInfo => ({
  company: 'UPS',
  number: `1Z999AA1012345${n}`,
  url: `https://www.ups.com/track?tracknum=1Z999AA1012345${n}`,
});
const parcel = (s: Partial<Shipment> & Pick<Shipment, 'status'>): Shipment => ({
  tracking: null,
  shippedAt: null,
  deliveredAt: null,
  estimatedDeliveryAt: null,
  lastEventAt: null,
  ...s,
});

async function readBack(
  platform: 'shopify' | 'woocommerce',
  orders: Order[],
  plugin?: TrackingPlugin,
): Promise<Map<string, Order>> {
  let source;
  if (platform === 'shopify') {
    const fake = createShopifyFake();
    fake.addShop(SHOP, 'shpat_good', orders, { scopes: ['read_orders', 'read_all_orders'] });
    source = createShopifyOrderSource({
      shop: SHOP,
      accessToken: 'shpat_good',
      apiVersion: '2026-10',
      baseUrl: 'http://t/shopify',
      fetch: routeFetch('http://t/shopify', fake.app),
    });
  } else {
    const fake = createWooCommerceFake();
    fake.addStore('ck', 'cs', orders, { trackingPlugin: plugin });
    source = createWooCommerceOrderSource({
      storeUrl: 'https://shop.example',
      consumerKey: 'ck',
      consumerSecret: 'cs',
      fetch: routeFetch('https://shop.example', fake.app),
    });
  }
  const found = new Map<string, Order>();
  for (const o of orders) found.set(o.number, (await source.findByNumber(o.number))!);
  return found;
}

const FIXTURE: Order[] = [
  // Three parcels, each reported by the carrier: delivered, stuck in transit, a label only.
  sampleOrder({
    number: '2001',
    createdAt: day(1),
    tracking: [ups('01'), ups('02'), ups('03')],
    shipments: [
      parcel({ status: 'delivered', tracking: ups('01'), shippedAt: day(2), deliveredAt: day(5) }),
      parcel({
        status: 'in_transit',
        tracking: ups('02'),
        shippedAt: day(3),
        estimatedDeliveryAt: '2026-11-08T00:00:00.000Z',
        lastEventAt: day(4),
      }),
      parcel({ status: 'label_created', tracking: ups('03'), shippedAt: day(6) }),
    ],
  }),
  // Tracking without any carrier report: shipped when the order was, nothing said about where.
  sampleOrder({ number: '2002', createdAt: day(7), tracking: [ups('04')], shipments: [] }),
  // Fulfilled without tracking: one parcel, no tracking.
  sampleOrder({ number: '2003', createdAt: day(8), tracking: [], shipments: [] }),
  // The order says delivered (AST's status), no carrier report: every parcel delivered, no date.
  sampleOrder({
    number: '2004',
    createdAt: day(9),
    fulfillmentStatus: 'delivered',
    tracking: [ups('05'), ups('06')],
    shipments: [],
  }),
  // A failed attempt and a parcel on its way back, both out for delivery before.
  sampleOrder({
    number: '2005',
    createdAt: day(10),
    tracking: [ups('07'), ups('08')],
    shipments: [
      parcel({
        status: 'attempted_delivery',
        tracking: ups('07'),
        shippedAt: day(11),
        lastEventAt: day(14),
        estimatedDeliveryAt: '2026-11-14T00:00:00.000Z',
      }),
      parcel({ status: 'failed_delivery', tracking: ups('08'), shippedAt: day(12), lastEventAt: day(15) }),
    ],
  }),
  // Not shipped: no parcels.
  sampleOrder({ number: '2006', createdAt: day(16), fulfillmentStatus: 'unfulfilled', tracking: [], shipments: [] }),
];

const EXPECTED: Record<string, Shipment[]> = {
  '2001': [
    {
      status: 'delivered',
      tracking: ups('01'),
      shippedAt: day(2),
      deliveredAt: day(5),
      estimatedDeliveryAt: null,
      lastEventAt: day(5),
    },
    {
      status: 'in_transit',
      tracking: ups('02'),
      shippedAt: day(3),
      deliveredAt: null,
      estimatedDeliveryAt: '2026-11-08T00:00:00.000Z',
      lastEventAt: day(4),
    },
    {
      status: 'label_created',
      tracking: ups('03'),
      shippedAt: day(6),
      deliveredAt: null,
      estimatedDeliveryAt: null,
      lastEventAt: day(6),
    },
  ],
  '2002': [
    {
      status: 'unknown',
      tracking: ups('04'),
      shippedAt: day(7),
      deliveredAt: null,
      estimatedDeliveryAt: null,
      lastEventAt: day(7),
    },
  ],
  '2003': [
    {
      status: 'unknown',
      tracking: null,
      shippedAt: day(8),
      deliveredAt: null,
      estimatedDeliveryAt: null,
      lastEventAt: day(8),
    },
  ],
  '2004': [
    {
      status: 'delivered',
      tracking: ups('05'),
      shippedAt: day(9),
      deliveredAt: null,
      estimatedDeliveryAt: null,
      lastEventAt: day(9),
    },
    {
      status: 'delivered',
      tracking: ups('06'),
      shippedAt: day(9),
      deliveredAt: null,
      estimatedDeliveryAt: null,
      lastEventAt: day(9),
    },
  ],
  '2005': [
    {
      status: 'attempted_delivery',
      tracking: ups('07'),
      shippedAt: day(11),
      deliveredAt: null,
      estimatedDeliveryAt: '2026-11-14T00:00:00.000Z',
      lastEventAt: day(14),
    },
    {
      status: 'failed_delivery',
      tracking: ups('08'),
      shippedAt: day(12),
      deliveredAt: null,
      estimatedDeliveryAt: null,
      lastEventAt: day(15),
    },
  ],
  '2006': [],
};

describe('the same parcels from both platforms', () => {
  it.each([
    ['shopify', undefined],
    ['woocommerce', 'shipment-tracking'],
    ['woocommerce', 'advanced-shipment-tracking'],
  ] as const)('%s (%s) reads back every parcel of the fixture', async (platform, plugin) => {
    const found = await readBack(platform, FIXTURE, plugin);
    for (const o of FIXTURE) expect(found.get(o.number)?.shipments, o.number).toEqual(EXPECTED[o.number]);
  });

  it('gives each parcel the tracking the order lists, and the order keeps all of it', async () => {
    const [shopify, woo] = await Promise.all([readBack('shopify', FIXTURE), readBack('woocommerce', FIXTURE)]);
    for (const o of FIXTURE) {
      expect(shopify.get(o.number)!.tracking).toEqual(o.tracking);
      expect(woo.get(o.number)!.tracking.map((t) => t.number)).toEqual(o.tracking.map((t) => t.number));
    }
  });
});

describe('Shopify fulfillments', () => {
  const f = (o: Record<string, unknown>) => ({
    status: 'SUCCESS',
    displayStatus: 'IN_TRANSIT',
    createdAt: '2026-11-02T09:30:00Z',
    inTransitAt: '2026-11-02T12:00:00Z',
    deliveredAt: null,
    estimatedDeliveryAt: null,
    trackingInfo: [
      { number: '1Z999AA10123456701', url: 'https://www.ups.com/track?tracknum=1Z999AA10123456701', company: 'UPS' },
    ],
    events: { nodes: [{ status: 'IN_TRANSIT', happenedAt: '2026-11-04T08:00:00Z' }] },
    ...o,
  });

  it('reads a status from a later API version, or a misspelt one, as unknown, and keeps the parcel', () => {
    for (const displayStatus of ['TELEPORTED', 'in_transit', '', 42, { x: 1 }]) {
      const { shipments } = parcelsFromFulfillments([f({ displayStatus })]);
      expect(shipments).toHaveLength(1);
      // A missing or unreadable displayStatus leaves the word to the latest carrier event.
      expect(shipments[0]!.status, String(displayStatus)).toBe(
        typeof displayStatus === 'string' && displayStatus ? 'unknown' : 'in_transit',
      );
    }
    expect(
      parcelsFromFulfillments([
        f({ displayStatus: null, events: { nodes: [{ status: 'BEAMED_UP', happenedAt: '2026-11-04T08:00:00Z' }] } }),
      ]).shipments[0]!.status,
    ).toBe('unknown');
  });

  it.each([
    ['LABEL_PRINTED', 'label_created'],
    ['CARRIER_PICKED_UP', 'in_transit'],
    ['DELAYED', 'in_transit'],
    ['OUT_FOR_DELIVERY', 'out_for_delivery'],
    ['ATTEMPTED_DELIVERY', 'attempted_delivery'],
    ['DELIVERED', 'delivered'],
    ['PICKED_UP', 'delivered'],
    ['FAILURE', 'failed_delivery'],
    ['NOT_DELIVERED', 'failed_delivery'],
    ['CONFIRMED', 'unknown'],
    ['FULFILLED', 'unknown'],
    ['MARKED_AS_FULFILLED', 'unknown'],
    ['READY_FOR_PICKUP', 'unknown'],
  ])('%s is %s', (displayStatus, status) => {
    expect(parcelsFromFulfillments([f({ displayStatus })]).shipments.map((s) => s.status)).toEqual([status]);
  });

  it('leaves out cancelled fulfillments, voided labels and failed requests, tracking and all', () => {
    const cancelled = [
      f({ status: 'CANCELLED', displayStatus: 'CANCELED' }),
      f({ displayStatus: 'LABEL_VOIDED' }),
      f({ status: 'ERROR' }),
      f({ status: 'FAILURE', displayStatus: null }),
    ];
    expect(parcelsFromFulfillments(cancelled)).toEqual({ tracking: [], shipments: [] });
    const kept = parcelsFromFulfillments([
      ...cancelled,
      f({ displayStatus: 'DELIVERED', deliveredAt: '2026-11-05T10:00:00Z' }),
    ]);
    expect(kept.tracking).toHaveLength(1);
    expect(kept.shipments).toMatchObject([{ status: 'delivered', deliveredAt: '2026-11-05T10:00:00.000Z' }]);
  });

  it('a malformed field costs only itself', () => {
    const { shipments, tracking } = parcelsFromFulfillments([
      f({
        createdAt: 42,
        inTransitAt: 'yesterday',
        estimatedDeliveryAt: '2026-02-31T00:00:00Z',
        trackingInfo: 'none',
        events: { nodes: [{ status: 'IN_TRANSIT', happenedAt: 'soon' }] },
      }),
      'not a fulfillment',
      null,
      f({ displayStatus: 'DELIVERED', deliveredAt: '2026-11-06T10:00:00+02:00', events: null }),
    ]);
    expect(tracking).toHaveLength(1);
    expect(shipments).toEqual([
      {
        status: 'delivered',
        tracking: expect.objectContaining({ company: 'UPS' }),
        shippedAt: '2026-11-02T12:00:00.000Z',
        deliveredAt: '2026-11-06T08:00:00.000Z',
        estimatedDeliveryAt: null,
        lastEventAt: '2026-11-06T08:00:00.000Z',
      },
      {
        status: 'in_transit',
        tracking: null,
        shippedAt: null,
        deliveredAt: null,
        estimatedDeliveryAt: null,
        lastEventAt: null,
      },
    ]);
  });

  it('the last movement is the latest carrier event, whatever order the events come in', () => {
    const events = {
      nodes: [
        { status: 'IN_TRANSIT', happenedAt: '2026-11-03T08:00:00Z' },
        { status: 'IN_TRANSIT', happenedAt: '2026-11-07T08:00:00Z' },
        { status: 'CONFIRMED', happenedAt: '2026-11-02T08:00:00Z' },
      ],
    };
    expect(parcelsFromFulfillments([f({ events })]).shipments[0]!.lastEventAt).toBe('2026-11-07T08:00:00.000Z');
  });

  it('the fake refuses a Fulfillment field Shopify does not have, in Shopify’s words', async () => {
    const fake = createShopifyFake();
    fake.addShop(SHOP, 'shpat_good', [sampleOrder()]);
    const res = await fake.app.request(`/${SHOP}/admin/api/2026-10/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_good' },
      body: JSON.stringify({
        query:
          'query { orders(first: 1, query: "name:#1042") { nodes { fulfillments(first: 5) { status shipmentStatus trackingInfo(first: 1) { number } } } } }',
      }),
    });
    const body = (await res.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]).toMatchObject({
      message: "Field 'shipmentStatus' doesn't exist on type 'Fulfillment'",
      extensions: { code: 'undefinedField' },
    });
  });
});

describe('WooCommerce tracking plugins and TrackShip', () => {
  const item = (number: string, dateShipped: unknown = '1793784600') => ({
    tracking_provider: 'ups',
    custom_tracking_provider: '',
    custom_tracking_link: '',
    tracking_number: number,
    date_shipped: dateShipped,
    tracking_id: `id${number}`,
  });
  const order = (o: { status?: string; items?: unknown; meta?: unknown[]; completed?: string | null }) => ({
    id: 901,
    number: '3001',
    status: o.status ?? 'completed',
    date_created: '2026-11-01T09:30:00',
    date_created_gmt: '2026-11-01T09:30:00',
    date_completed_gmt: o.completed === undefined ? '2026-11-03T10:00:00' : o.completed,
    billing: { email: 'jane@example.net' },
    shipping: { city: 'Lyon', country: 'FR' },
    line_items: [{ id: 1, name: 'Blue mug', quantity: 1 }],
    meta_data: [
      ...(o.items === undefined ? [] : [{ id: 1, key: '_wc_shipment_tracking_items', value: o.items }]),
      ...(o.meta ?? []),
    ],
  });
  const read = (o: Parameters<typeof order>[0]) => readWooOrders([order(o)])[0]!;

  it('date_shipped as a string or a number of seconds; anything else falls back to date_completed_gmt', () => {
    const shipped = read({
      items: [
        item('1Z999AA10123456701', '1793871000'),
        item('1Z999AA10123456702', 1793784600),
        item('1Z999AA10123456703', 'last tuesday'),
        item('1Z999AA10123456704', -5),
      ],
    });
    // Oldest first: the two without a date of their own shipped when the order was completed.
    expect(shipped.shipments.map((s) => [s.tracking!.number.slice(-2), s.shippedAt])).toEqual([
      ['03', '2026-11-03T10:00:00.000Z'],
      ['04', '2026-11-03T10:00:00.000Z'],
      ['02', '2026-11-04T09:30:00.000Z'],
      ['01', '2026-11-05T09:30:00.000Z'],
    ]);
    expect(shipped.shipments.every((s) => s.status === 'unknown')).toBe(true);
  });

  it('older TrackShip: shipment_status with the carrier’s date and estimate, keyed like the tracking entries after a deletion', () => {
    const o = read({
      items: { 0: item('1Z999AA10123456701'), 2: item('1Z999AA10123456703') },
      meta: [
        {
          id: 5,
          key: 'shipment_status',
          value: {
            0: {
              status: 'delivered',
              status_date: '2026-11-06 14:05:00',
              est_delivery_date: '2026-11-06',
              tracking_events: [],
            },
            2: { status: 'in_transit', status_date: '2026-11-07 08:00:00', est_delivery_date: '2026-11-10' },
          },
        },
      ],
    });
    expect(o.shipments).toEqual([
      {
        status: 'delivered',
        tracking: expect.objectContaining({ number: '1Z999AA10123456701' }),
        shippedAt: '2026-11-04T09:30:00.000Z',
        deliveredAt: '2026-11-06T14:05:00.000Z',
        estimatedDeliveryAt: null,
        lastEventAt: '2026-11-06T14:05:00.000Z',
      },
      {
        status: 'in_transit',
        tracking: expect.objectContaining({ number: '1Z999AA10123456703' }),
        shippedAt: '2026-11-04T09:30:00.000Z',
        deliveredAt: null,
        estimatedDeliveryAt: '2026-11-10T00:00:00.000Z',
        lastEventAt: '2026-11-07T08:00:00.000Z',
      },
    ]);
  });

  it('current TrackShip: ts_shipment_status, the status alone', () => {
    const o = read({
      items: [item('1Z999AA10123456701')],
      meta: [{ id: 6, key: 'ts_shipment_status', value: [{ status: 'out_for_delivery' }] }],
    });
    expect(o.shipments).toMatchObject([
      {
        status: 'out_for_delivery',
        deliveredAt: null,
        estimatedDeliveryAt: null,
        lastEventAt: '2026-11-04T09:30:00.000Z',
      },
    ]);
  });

  it.each([
    ['pre_transit', 'label_created'],
    ['failure', 'attempted_delivery'],
    ['return_to_sender', 'failed_delivery'],
    ['available_for_pickup', 'unknown'],
    ['exception', 'unknown'],
    ['on_hold', 'unknown'],
  ])('TrackShip %s is %s', (word, status) => {
    expect(
      read({
        items: [item('1Z999AA10123456701')],
        meta: [{ id: 6, key: 'ts_shipment_status', value: [{ status: word }] }],
      }).shipments[0]!.status,
    ).toBe(status);
  });

  it('TrackShip’s own states and unknown words say nothing of the parcel: the order’s status speaks', () => {
    for (const word of [
      'pending_trackship',
      'carrier_unsupported',
      'unknown',
      'teleported',
      'Error message : quota',
      '',
    ]) {
      const meta = [{ id: 6, key: 'shipment_status', value: [{ status: word, status_date: '2026-11-09 10:00:00' }] }];
      expect(
        read({ status: 'in-transit', items: [item('1Z999AA10123456701')], meta }).shipments[0],
        word,
      ).toMatchObject({ status: 'in_transit', lastEventAt: '2026-11-04T09:30:00.000Z' });
      expect(read({ status: 'completed', items: [item('1Z999AA10123456701')], meta }).shipments[0]!.status, word).toBe(
        'unknown',
      );
    }
  });

  it('AST’s delivered order status makes every parcel delivered; in-transit only the only one', () => {
    expect(
      read({ status: 'delivered', items: [item('1Z999AA10123456701'), item('1Z999AA10123456702')] }).shipments.map(
        (s) => s.status,
      ),
    ).toEqual(['delivered', 'delivered']);
    expect(
      read({ status: 'in-transit', items: [item('1Z999AA10123456701'), item('1Z999AA10123456702')] }).shipments.map(
        (s) => s.status,
      ),
    ).toEqual(['unknown', 'unknown']);
    expect(
      read({ status: 'wc-out-for-delivery', items: [item('1Z999AA10123456701')] }).shipments.map((s) => s.status),
    ).toEqual(['out_for_delivery']);
  });

  it('a cancelled label is no parcel, and its tracking number is not offered either', () => {
    const o = read({
      items: [item('1Z999AA10123456701'), item('1Z999AA10123456702')],
      meta: [{ id: 6, key: 'ts_shipment_status', value: [{ status: 'label_cancelled' }, { status: 'in_transit' }] }],
    });
    expect(o.tracking.map((t) => t.number)).toEqual(['1Z999AA10123456702']);
    expect(o.shipments).toMatchObject([{ status: 'in_transit', tracking: { number: '1Z999AA10123456702' } }]);
  });

  it('an order sent without tracking is one parcel without tracking; one not sent has none', () => {
    expect(read({ status: 'completed' }).shipments).toEqual([
      {
        status: 'unknown',
        tracking: null,
        shippedAt: '2026-11-03T10:00:00.000Z',
        deliveredAt: null,
        estimatedDeliveryAt: null,
        lastEventAt: '2026-11-03T10:00:00.000Z',
      },
    ]);
    expect(read({ status: 'delivered', completed: null }).shipments).toMatchObject([
      { status: 'delivered', shippedAt: null, lastEventAt: null },
    ]);
    expect(read({ status: 'processing', completed: null }).shipments).toEqual([]);
    expect(read({ status: 'awaiting-collection' }).shipments).toEqual([]);
  });

  it('hostile status meta costs only its entry', () => {
    const hostile: unknown[] = [
      'delivered',
      42,
      { status: ['delivered'], status_date: '2026-11-09 10:00:00' },
      { status: 'delivered', status_date: '26-11-09', est_delivery_date: { $gt: '' } },
      { status: 'x'.repeat(10_000) },
    ];
    const items = hostile.map((_, i) => item(`1Z999AA101234567${10 + i}`));
    const o = read({
      status: 'completed',
      items: [...items, item('1Z999AA10123456799')],
      meta: [
        {
          id: 6,
          key: 'shipment_status',
          value: [...hostile, { status: 'in_transit', status_date: '2026-11-09 10:00:00' }],
        },
        { id: 7, key: 'ts_shipment_status', value: 'garbage' },
      ],
    });
    expect(o.shipments.map((s) => s.status)).toEqual([
      'unknown',
      'unknown',
      'unknown',
      'delivered',
      'unknown',
      'in_transit',
    ]);
    // The two-digit year TrackShip once wrote is no date.
    expect(o.shipments[3]).toMatchObject({ deliveredAt: null, lastEventAt: '2026-11-04T09:30:00.000Z' });
    expect(o.shipments[5]!.lastEventAt).toBe('2026-11-09T10:00:00.000Z');
    expect(
      read({ items: [item('1Z999AA10123456701')], meta: [{ id: 6, key: 'shipment_status', value: null }] }).shipments,
    ).toHaveLength(1);
  });
});

describe('dates from a store', () => {
  it.each([
    ['2026-11-03T10:00:00Z', '2026-11-03T10:00:00.000Z'],
    ['2026-11-03T12:00:00+02:00', '2026-11-03T10:00:00.000Z'],
    ['2026-11-03T12:00:00+0200', '2026-11-03T10:00:00.000Z'],
    ['2026-11-03 10:00:00', '2026-11-03T10:00:00.000Z'],
    ['2026-11-03T10:00:00', '2026-11-03T10:00:00.000Z'],
    ['2026-11-03', '2026-11-03T00:00:00.000Z'],
    ['1793700000', '2026-11-03T10:00:00.000Z'],
    [1793700000, '2026-11-03T10:00:00.000Z'],
  ])('%s is %s', (value, iso) => expect(instant(value)).toBe(iso));

  it.each([
    ['2026-02-30'],
    ['2026-13-01'],
    ['26-11-03'],
    ['0'],
    [0],
    [-1],
    [1.5],
    ['1999-12-31'],
    ['2100-01-01'],
    ['soon'],
    [null],
    [{}],
    ['2026-11-03T10:00:00Z'.repeat(3)],
  ])('%s is no date', (value) => expect(instant(value)).toBeNull());
});

describe('POST /sandbox/reset with shipments', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime();
  });
  afterAll(() => rt.close());

  const reset = (store: string, orders: unknown[]) =>
    rt.request('/sandbox/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ store, orders }),
    });
  const order = (shipments: unknown) => ({
    number: '1042',
    email: 'jane@example.net',
    createdAt: new Date(Date.now() - 5 * 86_400_000).toISOString(),
    financialStatus: 'paid',
    fulfillmentStatus: 'fulfilled',
    tracking: [ups('01'), ups('02')],
    shipments,
  });

  it.each(['shopify', 'woocommerce'])(
    '%s: the store serves them in its own shape and the client reads them back',
    async (store) => {
      const shippedAt = new Date(Date.now() - 4 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const res = await reset(store, [
        order([
          { status: 'in_transit', shippedAt, estimatedDeliveryAt: '2030-01-02' },
          { status: 'delivered', shippedAt, deliveredAt: shippedAt.replace(/^(\d{4}-\d{2}-\d{2})T\d{2}/, '$1T23') },
        ]),
      ]);
      expect(res.status).toBe(200);
      const { accountId } = (await res.json()) as { accountId: string };
      const connection = (await getStoreConnection(rt.services.db, accountId))!;
      const credentials = await openStoreCredentials(
        rt.services,
        connection as { id: string; sealedCredentials: string },
      );
      const found = await rt.services.openOrderSource(connection, credentials).findByNumber('1042');
      const at = new Date(shippedAt).toISOString();
      expect(found!.shipments).toEqual([
        {
          status: 'in_transit',
          tracking: ups('01'),
          shippedAt: at,
          deliveredAt: null,
          estimatedDeliveryAt: '2030-01-02T00:00:00.000Z',
          lastEventAt: at,
        },
        {
          status: 'delivered',
          tracking: ups('02'),
          shippedAt: at,
          deliveredAt: at.replace(/T\d{2}/, 'T23'),
          estimatedDeliveryAt: null,
          lastEventAt: at.replace(/T\d{2}/, 'T23'),
        },
      ]);
    },
  );

  it.each([
    ['an unknown status', [{ status: 'teleported' }]],
    ['no status', [{ shippedAt: '2026-11-03T10:00:00Z' }]],
    ['a date that is not one', [{ status: 'delivered', deliveredAt: 'yesterday' }]],
    ['a date without its offset', [{ status: 'in_transit', shippedAt: '2026-11-03T10:00:00' }]],
    ['not a list', { status: 'delivered' }],
    ['too many', Array.from({ length: 11 }, () => ({ status: 'in_transit' }))],
  ])('refuses %s with 400', async (_what, shipments) => {
    const res = await reset('shopify', [order(shipments)]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_body');
  });
});
