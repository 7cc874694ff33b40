import { describe, expect, it } from 'vitest';
import { orderFacts, utcDay } from '../../src/drafting/order-facts';
import type { Shipment } from '../../src/stores/order';
import { sampleOrder } from '../support/runtime';

const TODAY = '2026-12-01';
const ctx = (returnWindowDays: number | null = 30, stalledAfterDays = 7, today = TODAY) => ({
  today,
  policies: { returnWindowDays },
  stalledAfterDays,
});
const shipment = (overrides: Partial<Shipment> = {}): Shipment => ({
  status: 'in_transit',
  tracking: null,
  shippedAt: null,
  deliveredAt: null,
  estimatedDeliveryAt: null,
  lastEventAt: null,
  ...overrides,
});
const order = (shipments: Shipment[], fulfillmentStatus = 'fulfilled', financialStatus = 'paid') =>
  sampleOrder({ shipments, fulfillmentStatus, financialStatus });

describe('orderFacts: days since shipped', () => {
  it.each([
    ['shipped today', [shipment({ shippedAt: '2026-12-01T09:00:00Z' })], 0],
    ['shipped yesterday late at night (UTC days)', [shipment({ shippedAt: '2026-11-30T23:59:59Z' })], 1],
    ['shipped 10 days ago', [shipment({ shippedAt: '2026-11-21T12:00:00Z' })], 10],
    [
      'two parcels: from the first to leave',
      [shipment({ shippedAt: '2026-11-28T00:00:00Z' }), shipment({ shippedAt: '2026-11-25T00:00:00Z' })],
      6,
    ],
    ['no shipping date known', [shipment()], null],
    ['no shipment at all (a fulfilled order has no date of its own)', [], null],
    ['an unreadable date', [shipment({ shippedAt: 'soon' })], null],
  ])('%s → %s', (_label, shipments, days) => {
    expect(orderFacts(order(shipments), ctx()).daysSinceShipped).toBe(days);
  });
});

describe('orderFacts: stalled', () => {
  it.each([
    [
      'in transit, last event 7 days ago (the limit)',
      shipment({ shippedAt: '2026-11-20T00:00:00Z', lastEventAt: '2026-11-24T08:00:00Z' }),
      7,
      true,
    ],
    [
      'in transit, last event 6 days ago',
      shipment({ shippedAt: '2026-11-20T00:00:00Z', lastEventAt: '2026-11-25T08:00:00Z' }),
      7,
      false,
    ],
    ['no events: from the shipping date', shipment({ shippedAt: '2026-11-20T00:00:00Z' }), 7, true],
    ['a shorter setting', shipment({ shippedAt: '2026-11-28T00:00:00Z' }), 3, true],
    ['out for delivery, stuck', shipment({ status: 'out_for_delivery', shippedAt: '2026-11-01T00:00:00Z' }), 7, true],
    [
      'delivered',
      shipment({ status: 'delivered', shippedAt: '2026-11-01T00:00:00Z', deliveredAt: '2026-11-03T00:00:00Z' }),
      7,
      false,
    ],
    [
      'a delivery date whatever the status says',
      shipment({ shippedAt: '2026-11-01T00:00:00Z', deliveredAt: '2026-11-03T00:00:00Z' }),
      7,
      false,
    ],
    [
      'a failed delivery has its own status to report',
      shipment({ status: 'failed_delivery', shippedAt: '2026-11-01T00:00:00Z' }),
      7,
      false,
    ],
    ['an unknown status says nothing', shipment({ status: 'unknown', shippedAt: '2026-11-01T00:00:00Z' }), 7, false],
    ['no date at all', shipment(), 7, false],
  ])('%s → %s', (_label, s, after, stalled) => {
    expect(orderFacts(order([s]), ctx(30, after)).stalled).toBe(stalled);
  });

  it('is never said of a cancelled order', () => {
    expect(orderFacts(order([shipment({ shippedAt: '2026-11-01T00:00:00Z' })], 'cancelled'), ctx()).stalled).toBe(
      false,
    );
  });

  it('is said when one parcel of several is stuck', () => {
    const parcels = [
      shipment({ status: 'delivered', deliveredAt: '2026-11-30T00:00:00Z' }),
      shipment({ shippedAt: '2026-11-10T00:00:00Z' }),
    ];
    expect(orderFacts(order(parcels), ctx()).stalled).toBe(true);
  });
});

describe('orderFacts: the last day to return', () => {
  it.each([
    [
      'delivered + 30',
      [shipment({ status: 'delivered', shippedAt: '2026-10-28T00:00:00Z', deliveredAt: '2026-11-01T15:00:00Z' })],
      30,
      '2026-12-01',
      true,
    ],
    [
      'delivered + 14: yesterday was the last day',
      [shipment({ status: 'delivered', deliveredAt: '2026-11-16T00:00:00Z' })],
      14,
      '2026-11-30',
      false,
    ],
    [
      'not delivered: from the shipping date',
      [shipment({ shippedAt: '2026-11-20T00:00:00Z' })],
      45,
      '2027-01-04',
      true,
    ],
    [
      'several parcels: the earliest delivery',
      [shipment({ deliveredAt: '2026-11-20T00:00:00Z' }), shipment({ deliveredAt: '2026-11-10T00:00:00Z' })],
      30,
      '2026-12-10',
      true,
    ],
    ['across a month end and a leap day', [shipment({ deliveredAt: '2028-02-20T00:00:00Z' })], 10, '2028-03-01', true],
    ['no date', [shipment()], 30, null, null],
    ['no shipment', [], 30, null, null],
  ])('%s', (_label, shipments, window, last, open) => {
    const facts = orderFacts(order(shipments), ctx(window));
    expect(facts.lastReturnDay).toBe(last);
    expect(facts.returnWindowOpen).toBe(open);
  });

  it('is null without a return window, whatever the dates', () => {
    const facts = orderFacts(order([shipment({ deliveredAt: '2026-11-20T00:00:00Z' })]), ctx(null));
    expect(facts).toMatchObject({ lastReturnDay: null, returnWindowOpen: null });
  });
});

describe('orderFacts: can the address still change, the order still be cancelled', () => {
  it.each([
    ['unfulfilled, paid', 'unfulfilled', 'paid', [], true],
    ['unfulfilled, payment pending', 'unfulfilled', 'pending', [], true],
    ['ready to ship, nothing left yet', 'ready_to_ship', 'paid', [], true],
    ['a label only, no dates', 'unfulfilled', 'paid', [shipment({ status: 'label_created' })], true],
    ['fulfilled', 'fulfilled', 'paid', [], false],
    ['partially fulfilled', 'partially_fulfilled', 'paid', [], false],
    [
      'unfulfilled, but a parcel is on its way',
      'unfulfilled',
      'paid',
      [shipment({ shippedAt: '2026-11-30T00:00:00Z' })],
      false,
    ],
    ['cancelled', 'cancelled', 'voided', [], false],
    ['refunded', 'unfulfilled', 'refunded', [], false],
    ['an unknown fulfilment: never a promise', 'unknown', 'paid', [], false],
    ['an unknown payment: never a promise', 'unfulfilled', 'unknown', [], false],
    ['a platform word we do not know', 'on_hold', 'paid', [], false],
  ])('%s → %s', (_label, fulfilment, financial, shipments, possible) => {
    const facts = orderFacts(order(shipments, fulfilment, financial), ctx());
    expect(facts.canChangeAddress).toBe(possible);
    expect(facts.canCancel).toBe(possible);
  });
});

describe('utcDay', () => {
  it('is the calendar day in UTC', () => {
    expect(utcDay(Date.parse('2026-12-01T23:59:59Z'))).toBe('2026-12-01');
    expect(utcDay(Date.parse('2026-12-02T00:00:00+02:00'))).toBe('2026-12-01');
  });

  it('a today that is not a day is a bug, not a fact', () => {
    expect(() => orderFacts(order([]), ctx(30, 7, 'someday'))).toThrow(RangeError);
  });
});
