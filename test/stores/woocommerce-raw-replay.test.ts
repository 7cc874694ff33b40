import { beforeEach, describe, expect, it } from 'vitest';
import { wooConnection } from '../support/compliance';
import { customerMail, sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/**
 * The sandbox contract for replaying real stores: POST /sandbox/reset with "store":"woocommerce"
 * and "raw": REST v3 order objects exactly as GET /wp-json/wc/v3/orders returned them. The fake
 * serves them verbatim, and drafts come from them through the real mapping code.
 */
const shipped = (o: { status: string; tracking?: unknown; number?: string; extra?: Record<string, unknown> }) => ({
  id: 8800 + Number(o.number ?? 1042) - 1000,
  parent_id: 0,
  number: o.number ?? '1042',
  order_key: 'wc_order_GhT6Rk2e0aZcX',
  created_via: 'checkout',
  version: '9.4.2',
  status: o.status,
  currency: 'GBP',
  date_created: '2026-11-20T10:00:00',
  date_created_gmt: '2026-11-20T10:00:00',
  date_modified: '2026-11-22T08:12:44',
  discount_total: '0.00',
  shipping_total: '3.95',
  total: '21.95',
  customer_id: 12,
  billing: {
    first_name: 'Jane',
    last_name: 'Doe',
    company: '',
    address_1: '1 High St',
    city: 'York',
    postcode: 'YO1 7HH',
    country: 'GB',
    email: 'jane@example.net',
    phone: '',
  },
  shipping: {
    first_name: 'Jane',
    last_name: 'Doe',
    company: '',
    address_1: '1 High St',
    city: 'York',
    postcode: 'YO1 7HH',
    country: 'GB',
    phone: '',
  },
  payment_method: 'stripe',
  line_items: [
    {
      id: 41,
      name: 'Blue mug',
      product_id: 93,
      variation_id: 0,
      quantity: 2,
      tax_class: '',
      subtotal: '18.00',
      total: '18.00',
      meta_data: [],
      sku: 'MUG-B',
      price: 9,
    },
  ],
  meta_data: [
    { id: 1201, key: '_stripe_intent_id', value: 'pi_3Q' },
    ...(o.tracking === undefined ? [] : [{ id: 1202, key: '_wc_shipment_tracking_items', value: o.tracking }]),
  ],
  _links: { self: [{ href: 'https://shop.example/wp-json/wc/v3/orders/8842' }] },
  ...o.extra,
});

const slugOnly = (provider: string, number: string) => ({
  tracking_provider: provider,
  custom_tracking_provider: '',
  custom_tracking_link: '',
  tracking_number: number,
  date_shipped: '1764547200',
  tracking_id: '5d1f0c2a9b3e4f5a6b7c8d9e0f1a2b3c',
});

describe('sandbox reset with raw WooCommerce orders', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  const reset = (body: unknown) =>
    rt.request('/sandbox/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function draftFor(raw: unknown[], question = 'Hello, where is my order #1042?') {
    const res = await reset({ store: 'woocommerce', raw });
    expect(res.status).toBe(200);
    await rt.sendMail(
      customerMail({
        from: 'Jane Doe <jane@example.net>',
        subject: 'Where is my order?',
        body: question,
        messageId: `<q${Math.random()}@example.net>`,
      }),
    );
    const drafts = await rt.drafts();
    expect(drafts).toHaveLength(1);
    return drafts[0]!.text;
  }

  it('serves the raw orders verbatim through the store’s REST API', async () => {
    const raw = [
      shipped({ status: 'delivered', tracking: [slugOnly('royal-mail', 'AB123456789GB')] }),
      shipped({ status: 'processing', number: '1043' }),
    ];
    const { accountId } = (await (await reset({ store: 'woocommerce', raw })).json()) as { accountId: string };
    const { consumerKey, consumerSecret } = await wooConnection(rt, accountId);
    const auth = `consumer_key=${consumerKey}&consumer_secret=${consumerSecret}`;
    const list = await rt.request(`/sandbox/woocommerce/wp-json/wc/v3/orders?per_page=10&${auth}`);
    expect(await list.json()).toEqual([raw[0], raw[1]]);
    const one = await rt.request(`/sandbox/woocommerce/wp-json/wc/v3/orders/${raw[0]!.id}?${auth}`);
    expect(await one.json()).toEqual(raw[0]);
  });

  it.each([
    [
      'Advanced Shipment Tracking: delivered, Royal Mail by slug',
      shipped({ status: 'delivered', tracking: [slugOnly('royal-mail', 'AB123456789GB')] }),
      [
        'It has been delivered.',
        'Royal Mail, tracking number AB123456789GB: https://www.royalmail.com/track-your-item/?trackNumber=AB123456789GB',
      ],
    ],
    [
      'Shipment Tracking: completed, UPS by slug',
      shipped({ status: 'completed', tracking: [slugOnly('ups', '1Z999AA10123456784')] }),
      [
        'It has been shipped.',
        'UPS, tracking number 1Z999AA10123456784: http://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z999AA10123456784',
      ],
    ],
    [
      'newer Shipment Tracking: the provider stored by name',
      shipped({ status: 'in-transit', tracking: [slugOnly('DHL', '1234567890')] }),
      [
        'It has been shipped.',
        'DHL, tracking number 1234567890: http://www.dhl.com/content/g0/en/express/tracking.shtml?brand=DHL&AWB=1234567890',
      ],
    ],
    [
      'partially shipped, custom carrier',
      shipped({
        status: 'partial-shipped',
        tracking: [
          {
            ...slugOnly('', 'YC-88231'),
            custom_tracking_provider: 'York Couriers',
            custom_tracking_link: 'https://yorkcouriers.example/t/YC-88231',
          },
        ],
      }),
      ['Part of it has shipped', 'York Couriers, tracking number YC-88231: https://yorkcouriers.example/t/YC-88231'],
    ],
    [
      'out for delivery, Colissimo',
      shipped({ status: 'out-for-delivery', tracking: [slugOnly('colissimo', '6A12345678901')] }),
      ['It has been shipped.', 'https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901'],
    ],
    ['ready to ship, no tracking yet', shipped({ status: 'ready-to-ship' }), ['It has not shipped yet']],
  ])('%s: the draft states it truthfully', async (_label, raw, expected) => {
    const text = await draftFor([raw]);
    for (const line of expected) expect(text).toContain(line);
  });

  it('a status nobody told us about: the draft says the shop will check, and claims no state', async () => {
    const text = await draftFor([
      shipped({ status: 'awaiting-collection', tracking: [slugOnly('usps', '9400111899223197428490')] }),
    ]);
    expect(text).toContain('We are checking where it is');
    expect(text).toContain('https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=9400111899223197428490');
    expect(text).not.toMatch(/shipped|delivered|preparing|on its way/i);
  });

  it('hostile meta on a real order: the bad tracking entries are skipped, the order still drafted', async () => {
    const text = await draftFor([
      shipped({
        status: 'completed',
        tracking: [
          null,
          { tracking_number: { $ne: 1 } },
          { ...slugOnly('ups', 'x'), custom_tracking_provider: 'Evil', custom_tracking_link: 'javascript:alert(1)' },
          slugOnly('royal-mail', 'AB123456789GB'),
        ],
      }),
    ]);
    expect(text).toContain('Royal Mail, tracking number AB123456789GB');
    expect(text).not.toContain('javascript:');
    expect(text).not.toContain('Evil');
  });

  it('refuses raw orders for Shopify, raw and orders together, and raw entries that are not objects', async () => {
    for (const body of [
      { store: 'shopify', raw: [shipped({ status: 'completed' })] },
      { store: 'woocommerce', raw: [shipped({ status: 'completed' })], orders: [] },
      { store: 'woocommerce', raw: ['x'] },
      { store: 'woocommerce' },
    ]) {
      const res = await reset(body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
    }
  });

  it('neutral orders still work, now stored the way the plugins store them', async () => {
    const { accountId } = await rt.reset('woocommerce', [
      sampleOrder({
        fulfillmentStatus: 'delivered',
        tracking: [{ company: 'Royal Mail', number: 'AB123456789GB', url: '' }],
      }),
      sampleOrder({
        number: '1043',
        fulfillmentStatus: 'unknown',
        tracking: [{ company: 'Coursier', number: 'C-1', url: 'https://c.example/C-1' }],
      }),
    ]);
    const { consumerKey, consumerSecret } = await wooConnection(rt, accountId);
    const list = (await (
      await rt.request(
        `/sandbox/woocommerce/wp-json/wc/v3/orders?consumer_key=${consumerKey}&consumer_secret=${consumerSecret}`,
      )
    ).json()) as {
      number: string;
      status: string;
      meta_data: { key: string; value: Record<string, string>[] }[];
    }[];
    const byNumber = Object.fromEntries(list.map((o) => [o.number, o]));
    expect(byNumber['1042']!.status).toBe('delivered');
    expect(byNumber['1042']!.meta_data[0]!.value[0]).toMatchObject({
      tracking_provider: 'royal-mail',
      custom_tracking_provider: '',
      custom_tracking_link: '',
    });
    expect(byNumber['1043']!.status).toBe('awaiting-collection');
    expect(byNumber['1043']!.meta_data[0]!.value[0]).toMatchObject({
      tracking_provider: '',
      custom_tracking_provider: 'Coursier',
      custom_tracking_link: 'https://c.example/C-1',
    });
  });
});
