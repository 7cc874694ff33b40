import { describe, expect, it } from 'vitest';
import { readWooOrders } from '../../src/stores/woocommerce';
import { findCarrier, sanitizeTitle, WOO_CARRIERS } from '../../src/stores/woocommerce-carriers';

/**
 * `_wc_shipment_tracking_items` as the two common plugins write it.
 * - WooCommerce Shipment Tracking (WC_Shipment_Tracking_Actions::add_tracking_item): keys
 *   tracking_provider, custom_tracking_provider, custom_tracking_link, tracking_number, date_shipped,
 *   tracking_id; for a carrier from its list only tracking_provider is set (sanitize_title of the
 *   name in older versions, the name itself in newer ones) and the link comes from get_providers().
 * - Advanced Shipment Tracking (zorem, WC_Advanced_Shipment_Tracking_Actions::add_tracking_item):
 *   the same keys plus tracking_product_code, source, status_shipped; tracking_provider is the
 *   TrackShip slug (ts_slug), custom_* stay empty.
 * Deleting an entry (unset() in PHP) leaves the list keyed 0, 2, …, which JSON encodes as an object.
 */
const order = (
  value: unknown,
  shipping: Record<string, string> = { city: 'Lyon', country: 'FR', postcode: '69001' },
  extraMeta: unknown[] = [],
) => ({
  id: 727,
  number: '1042',
  status: 'completed',
  date_created: '2026-11-20T11:00:00',
  date_created_gmt: '2026-11-20T10:00:00',
  billing: { email: 'jane@example.net' },
  shipping,
  line_items: [{ id: 1, name: 'Blue mug', quantity: 2 }],
  meta_data: [
    { id: 9, key: '_order_source', value: 'web' },
    ...extraMeta,
    { id: 10, key: '_wc_shipment_tracking_items', value },
  ],
});
const trackingOf = (value: unknown, shipping?: Record<string, string>, extraMeta?: unknown[]) =>
  readWooOrders([order(value, shipping, extraMeta)])[0]!.tracking;

const wst = (provider: string, number: string, custom: { name?: string; link?: string } = {}) => ({
  tracking_provider: provider,
  custom_tracking_provider: custom.name ?? '',
  custom_tracking_link: custom.link ?? '',
  tracking_number: number,
  date_shipped: '1764547200',
  tracking_id: 'a2b5c7d8e9f00112233445566778899a',
});
const ast = (slug: string, number: string) => ({
  tracking_provider: slug,
  custom_tracking_provider: '',
  custom_tracking_link: '',
  tracking_number: number,
  tracking_product_code: '',
  source: 'admin',
  date_shipped: '1764547200',
  status_shipped: '1',
  tracking_id: 'f00112233445566778899aa2b5c7d8e9',
});

describe('known carriers: the slug only, the link built from the plugin’s template', () => {
  it.each([
    [
      'ups',
      '1Z999AA10123456784',
      'UPS',
      'http://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z999AA10123456784',
    ],
    [
      'usps',
      '9400111899223197428490',
      'USPS',
      'https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=9400111899223197428490',
    ],
    ['fedex', '449044304137821', 'FedEx', 'http://www.fedex.com/Tracking?action=track&tracknumbers=449044304137821'],
    ['dhl', '1234567890', 'DHL', 'http://www.dhl.com/content/g0/en/express/tracking.shtml?brand=DHL&AWB=1234567890'],
    [
      'royal-mail',
      'AB123456789GB',
      'Royal Mail',
      'https://www.royalmail.com/track-your-item/?trackNumber=AB123456789GB',
    ],
    ['colissimo', '6A12345678901', 'Colissimo', 'https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901'],
    [
      'dpd-co-uk',
      '15501234567890',
      'DPD',
      'http://www.dpd.co.uk/tracking/trackingSearch.do?search.searchType=0&search.parcelNumber=15501234567890',
    ],
    ['australia-post', '33ABC1234567', 'Australia Post', 'http://auspost.com.au/track/track.html?id=33ABC1234567'],
  ])('Shipment Tracking %s', (slug, number, company, url) => {
    expect(trackingOf([wst(slug, number)])).toEqual([{ company, number, url }]);
  });

  it.each([
    ['ups', 'UPS'],
    ['usps', 'USPS'],
    ['royal-mail', 'Royal Mail'],
    ['colissimo', 'Colissimo'],
    ['deutsche-post-dhl', 'Deutsche Post DHL'],
    ['hermes', 'Hermes'],
  ])('Advanced Shipment Tracking %s', (slug, company) => {
    const [t] = trackingOf([ast(slug, 'ZX123456789')]);
    expect(t).toMatchObject({ company, number: 'ZX123456789' });
    expect(t!.url).toBe(WOO_CARRIERS[slug]!.url.replace('{number}', 'ZX123456789'));
  });

  it('newer Shipment Tracking stores the provider’s name instead of its slug', () => {
    expect(trackingOf([wst('Royal Mail', 'AB123456789GB'), wst('DPD.co.uk', '15501234567890')])).toEqual([
      {
        company: 'Royal Mail',
        number: 'AB123456789GB',
        url: 'https://www.royalmail.com/track-your-item/?trackNumber=AB123456789GB',
      },
      {
        company: 'DPD',
        number: '15501234567890',
        url: 'http://www.dpd.co.uk/tracking/trackingSearch.do?search.searchType=0&search.parcelNumber=15501234567890',
      },
    ]);
  });

  it('a template that needs the postcode gets the order’s, normalised as WooCommerce does', () => {
    const [t] = trackingOf([ast('postnl', '3SABCD1234567')], { city: 'Amsterdam', country: 'NL', postcode: '1012 ab' });
    expect(t!.url).toBe(
      'https://mijnpakket.postnl.nl/Claim?Barcode=3SABCD1234567&Postalcode=1012AB&Foreign=False&ShowAnonymousLayover=False&CustomerServiceClaim=False',
    );
  });

  it('WordPress’s sanitize_title() gives the plugins’ slugs', () => {
    expect(sanitizeTitle('Royal Mail')).toBe('royal-mail');
    expect(sanitizeTitle('DPD.co.uk')).toBe('dpd-co-uk');
    expect(sanitizeTitle('BRT (Bartolini)')).toBe('brt-bartolini');
    expect(sanitizeTitle('Česká pošta')).toBe('ceska-posta');
    expect(findCarrier('constructor')).toBeNull();
    expect(findCarrier('__proto__')).toBeNull();
  });

  it('every template in the table builds an http(s) link carrying the number', () => {
    for (const [slug, carrier] of Object.entries(WOO_CARRIERS)) {
      expect(slug).toBe(sanitizeTitle(slug));
      expect(carrier.url, slug).toContain('{number}');
      const url = new URL(
        carrier.url.replace('{number}', 'N123').replace('{postcode}', 'P1').replace('{country}', 'FR'),
      );
      expect(['http:', 'https:'], slug).toContain(url.protocol);
    }
  });
});

describe('custom carriers', () => {
  it('Shipment Tracking: custom_tracking_provider and its link, whatever tracking_provider says', () => {
    expect(
      trackingOf([
        wst('', 'LC-0042-77', {
          name: 'Coursier Lyonnais',
          link: 'https://suivi.coursier-lyonnais.example/LC-0042-77',
        }),
      ]),
    ).toEqual([
      { company: 'Coursier Lyonnais', number: 'LC-0042-77', url: 'https://suivi.coursier-lyonnais.example/LC-0042-77' },
    ]);
    expect(trackingOf([wst('ups', '1Z999', { name: 'My Courier', link: 'https://my.example/t' })])).toEqual([
      { company: 'My Courier', number: '1Z999', url: 'https://my.example/t' },
    ]);
  });

  it('a custom link that is not http(s) is dropped, the parcel kept', () => {
    for (const link of [
      'javascript:alert(1)',
      'data:text/html,hi',
      'ftp://x.example/1',
      'https://user:pw@x.example/',
      '//x.example/1',
      'not a url',
      'https://x.example/a b',
    ]) {
      expect(trackingOf([wst('', 'LC1234', { name: 'Local', link })]), link).toEqual([
        { company: 'Local', number: 'LC1234', url: '' },
      ]);
    }
  });

  it('a slug we do not know (an AST custom carrier) keeps its words and the link the plugin left, if any', () => {
    expect(trackingOf([ast('evri', 'H01HYA0012345678')])).toEqual([
      { company: 'evri', number: 'H01HYA0012345678', url: '' },
    ]);
    expect(
      trackingOf([{ ...ast('my-local-courier', 'MLC12345'), custom_tracking_link: 'https://mlc.example/t/MLC12345' }]),
    ).toEqual([{ company: 'my local courier', number: 'MLC12345', url: 'https://mlc.example/t/MLC12345' }]);
  });
});

describe('meta as stored, and hostile meta', () => {
  it('a list with a deleted entry (PHP keys 0, 2 → a JSON object) is read', () => {
    expect(trackingOf({ 0: wst('ups', '1Z111'), 2: wst('usps', '9400111') }).map((t) => t.company)).toEqual([
      'UPS',
      'USPS',
    ]);
  });

  it('a tracking number stored as a number is read while exact, skipped when not', () => {
    expect(trackingOf([{ ...wst('fedex', ''), tracking_number: 449044304137821 }])[0]!.number).toBe('449044304137821');
    // biome-ignore lint/correctness/noPrecisionLoss: a USPS number stored as a JSON number loses digits; that is the case under test.
    expect(trackingOf([{ ...wst('usps', ''), tracking_number: 9400111899223197428490 }])).toEqual([]);
  });

  it('skips bad entries and keeps the good ones', () => {
    const value = [
      null,
      7,
      'ups',
      [],
      { tracking_provider: 'ups' },
      { ...wst('ups', ''), tracking_number: { $gt: '' } },
      wst('ups', '   '),
      wst('ups', '<script>alert(1)</script>'),
      wst('ups', '1Z999"onmouseover="x'),
      wst('ups', 'x'.repeat(65)),
      wst('ups', '1Z9'),
      { ...wst('ups', '1Z1001'), tracking_provider: ['ups'] },
      { ...wst('', '1Z2002'), custom_tracking_provider: 42, custom_tracking_link: { href: 'https://x' } },
      wst('royal-mail', 'AB123456789GB'),
    ];
    expect(trackingOf(value)).toEqual([
      // A field of the wrong type counts as not given.
      { company: '', number: '1Z1001', url: '' },
      { company: '', number: '1Z2002', url: '' },
      {
        company: 'Royal Mail',
        number: 'AB123456789GB',
        url: 'https://www.royalmail.com/track-your-item/?trackNumber=AB123456789GB',
      },
    ]);
  });

  it('values that are not a list of entries give no tracking, and the order is still read', () => {
    for (const value of [null, 'a:1:{i:0;a:1:{s:15:"tracking_number";s:5:"12345";}}', 42, true, '']) {
      const [o] = readWooOrders([order(value)]);
      expect(o!.number).toBe('1042');
      expect(o!.tracking).toEqual([]);
    }
    expect(readWooOrders([{ ...order([]), meta_data: 'nope' }])[0]!.tracking).toEqual([]);
    expect(
      readWooOrders([{ ...order([]), meta_data: [null, 1, { value: [wst('ups', '1Z1001')] }] }])[0]!.tracking,
    ).toEqual([]);
  });

  it('a huge list is capped: 10 parcels at most, quickly', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => wst('ups', `1Z${i}A`));
    const started = performance.now();
    const tracking = trackingOf(many);
    expect(tracking).toHaveLength(10);
    expect(performance.now() - started).toBeLessThan(500);
    const junkMeta = Array.from({ length: 20_000 }, (_, i) => ({ id: i, key: `_junk_${i}`, value: 'x' }));
    expect(trackingOf([wst('ups', '1Z1001')], undefined, junkMeta)).toEqual([]);
  });

  it('the same parcel twice is listed once; cleaned names', () => {
    expect(
      trackingOf([
        wst('ups', '1Z1001'),
        wst('ups', '1Z1001'),
        wst('', 'C1001', { name: '  Local\u0000\n  Courier  ' }),
      ]),
    ).toEqual([
      { company: 'UPS', number: '1Z1001', url: 'http://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z1001' },
      { company: 'Local Courier', number: 'C1001', url: '' },
    ]);
  });

  it('orders that are not orders are skipped; a REST answer that is not a list is a bad response', () => {
    expect(
      readWooOrders([null, 'x', { number: null }, { number: 'has space' }, order([])]).map((o) => o.number),
    ).toEqual(['1042']);
    expect(() => readWooOrders({ code: 'woocommerce_rest_cannot_view' })).toThrow(/bad_response/);
  });
});
