import { describe, expect, it } from 'vitest';
import { checkFacts } from '../../src/drafting/fact-guard';
import { SYSTEM_PROMPT } from '../../src/drafting/prompt';
import { claimsAllowedBy, unsupportedClaims } from '../../src/drafting/status-claims';
import { writeReply, type WriterInput } from '../../src/sandbox/fakes/openai-writer';
import type { Order } from '../../src/stores/order';
import { readWooOrders } from '../../src/stores/woocommerce';
import { given } from '../support/facts';

/**
 * WooCommerce order statuses as stores really have them. Core statuses are WooCommerce's own
 * (wc_get_order_statuses(), plus checkout-draft and draft); shipping plugins add theirs:
 * Advanced Shipment Tracking registers wc-delivered, wc-partial-shipped and wc-updated-tracking
 * (zorem/woo-advanced-shipment-tracking, WC_Advanced_Shipment_Tracking_Settings), and others add
 * shipped, in-transit, out-for-delivery, ready-to-ship. Anything else is unknown: never "not shipped".
 */

/** A REST v3 order as GET /wp-json/wc/v3/orders returns it (the fields Draftline reads, and some it does not). */
const rawOrder = (status: string) => ({
  id: 727,
  parent_id: 0,
  number: '1042',
  order_key: 'wc_order_58d2d042d1d',
  created_via: 'checkout',
  status,
  currency: 'EUR',
  date_created: '2026-11-20T11:00:00',
  date_created_gmt: '2026-11-20T10:00:00',
  billing: { first_name: 'Jane', last_name: 'Doe', email: 'jane@example.net', postcode: '69001', country: 'FR' },
  shipping: { first_name: 'Jane', last_name: 'Doe', city: 'Lyon', postcode: '69001', country: 'FR' },
  line_items: [{ id: 315, name: 'Blue mug', product_id: 93, quantity: 2, total: '18.00' }],
  meta_data: [],
});

const facts = (status: string) => {
  const [order] = readWooOrders([rawOrder(status)]);
  return { fulfillment: order!.fulfillmentStatus, financial: order!.financialStatus };
};

describe('WooCommerce statuses → neutral facts', () => {
  it.each([
    // core
    ['pending', 'unfulfilled', 'pending'],
    ['processing', 'unfulfilled', 'paid'],
    ['on-hold', 'unfulfilled', 'pending'],
    ['completed', 'fulfilled', 'paid'],
    ['cancelled', 'cancelled', 'voided'],
    ['refunded', 'refunded', 'refunded'],
    ['failed', 'unfulfilled', 'failed'],
    ['draft', 'unfulfilled', 'pending'],
    ['checkout-draft', 'unfulfilled', 'pending'],
    // shipping plugins
    ['shipped', 'shipped', 'paid'],
    ['delivered', 'delivered', 'paid'],
    ['partial-shipped', 'partially_fulfilled', 'paid'],
    ['partially-shipped', 'partially_fulfilled', 'paid'],
    ['in-transit', 'in_transit', 'paid'],
    ['ready-to-ship', 'ready_to_ship', 'paid'],
    ['out-for-delivery', 'out_for_delivery', 'paid'],
    ['updated-tracking', 'shipped', 'paid'],
    // the slug as stored (wc- prefix), or in another case
    ['wc-delivered', 'delivered', 'paid'],
    ['Shipped', 'shipped', 'paid'],
    // statuses nobody told us about
    ['awaiting-shipment', 'unknown', 'unknown'],
    ['ready-pickup', 'unknown', 'unknown'],
    ['my-custom-status', 'unknown', 'unknown'],
    ['trash', 'unknown', 'unknown'],
    ['', 'unknown', 'unknown'],
  ])('%j → fulfilment %s, payment %s', (status, fulfillment, financial) => {
    expect(facts(status)).toEqual({ fulfillment, financial });
  });

  it('a status that is not a string is unknown, and the order is still read', () => {
    const [order] = readWooOrders([{ ...rawOrder('x'), status: { bad: true } }]);
    expect(order).toMatchObject({ number: '1042', fulfillmentStatus: 'unknown', financialStatus: 'unknown' });
  });
});

const ORDER: Order = {
  number: '1042',
  email: 'jane@example.net',
  createdAt: '2026-11-20T10:00:00Z',
  financialStatus: 'unknown',
  fulfillmentStatus: 'unknown',
  tracking: [],
  shipments: [],
  items: [{ title: 'Blue mug', quantity: 2 }],
  shippingCity: 'Lyon',
  shippingCountry: 'FR',
};

describe('an unknown status supports no status claim', () => {
  it('the fact guard accepts no shipping, delivery, payment or cancellation word for it', () => {
    expect([...claimsAllowedBy(ORDER)]).toEqual([]);
    expect(unsupportedClaims('Your order has shipped.', [ORDER], '')).toEqual(['shipped']);
    expect(unsupportedClaims('It has not shipped yet: we are preparing it.', [ORDER], '')).toEqual(['not_shipped']);
    expect(unsupportedClaims('It has been delivered.', [ORDER], '')).toEqual(['delivered']);
    expect(unsupportedClaims('It was not cancelled.', [ORDER], '')).toEqual(['not_cancelled']);
    // Echoing the customer ("it has not arrived") stays possible, as for any order.
    expect(unsupportedClaims('I am sorry it has not arrived.', [ORDER], 'It has not arrived yet')).toEqual([]);
  });

  it('the known plugin statuses support what they say, and only that', () => {
    const claims = (fulfillmentStatus: string) =>
      [...claimsAllowedBy({ ...ORDER, fulfillmentStatus, financialStatus: 'paid' })].sort();
    expect(claims('delivered')).toEqual(['delivered', 'not_cancelled', 'not_refunded', 'shipped']);
    expect(claims('out_for_delivery')).toEqual(['not_cancelled', 'not_delivered', 'not_refunded', 'shipped']);
    expect(claims('in_transit')).toEqual(['not_cancelled', 'not_delivered', 'not_refunded', 'shipped']);
    expect(claims('ready_to_ship')).toEqual(['not_cancelled', 'not_delivered', 'not_refunded', 'not_shipped']);
    expect(claims('partially_fulfilled')).toEqual([
      'not_cancelled',
      'not_delivered',
      'not_refunded',
      'not_shipped',
      'partial',
      'shipped',
    ]);
  });

  it('the model is told not to claim a shipping state from "unknown"', () => {
    expect(SYSTEM_PROMPT).toContain('A status "unknown" (fulfillment, financial or shipment) says nothing certain');
    expect(SYSTEM_PROMPT).toMatch(/do not say whether it shipped, arrived, was paid, refunded or cancelled/);
  });

  const input = (message: string, order: Order): WriterInput => ({
    customer: { name: 'Jane Doe', message },
    orderLookup: 'matched',
    order,
    merchant: { shopName: 'Sandbox Shop', tone: 'friendly', signOffName: 'Sam', fallbackLanguage: 'en' },
  });

  it.each([
    ['en', 'Where is my order #1042? It has not arrived yet.', 'We are checking where it is'],
    ['fr', 'Bonjour, où est ma commande 1042 ? Je ne l’ai toujours pas reçue.', 'Nous vérifions où elle en est'],
    ['de', 'Hallo, wo ist meine Bestellung 1042? Ich habe sie noch nicht erhalten.', 'Wir prüfen gerade'],
    ['es', 'Hola, ¿dónde está mi pedido 1042? Todavía no lo he recibido.', 'Estamos comprobando'],
    ['it', 'Ciao, dove è il mio ordine 1042? Non l’ho ancora ricevuto.', 'Stiamo verificando'],
    ['nl', 'Hallo, waar is mijn bestelling 1042? Ik heb hem nog niet ontvangen.', 'We zoeken uit'],
  ])(
    'the sandbox model (%s) says it will check, claims nothing, and passes the fact guard',
    (_lang, message, expected) => {
      const order = {
        ...ORDER,
        tracking: [
          {
            company: 'Royal Mail',
            number: 'AB123456789GB',
            url: 'https://www.royalmail.com/track-your-item/?trackNumber=AB123456789GB',
          },
        ],
      };
      const reply = writeReply(input(message, order));
      expect(reply.replyText).toContain(expected);
      expect(reply.replyText).toContain('AB123456789GB');
      expect(reply.factsUsed).not.toContain('unknown');
      expect(
        checkFacts(reply.replyText, {
          customer: [message],
          orders: given(order),
          policies: {},
          merchant: ['Sandbox Shop', 'Sam'],
        }),
      ).toEqual({ ok: true });
    },
  );

  it('a planted status on an unknown order is caught by the guard', () => {
    const message = 'Where is my order #1042?';
    let planted = 0;
    for (let seed = 0; seed < 40; seed++) {
      const reply = writeReply(input(message, ORDER), { plantFalseFacts: 1, seed });
      if (reply.planted?.kind !== 'status') continue;
      planted++;
      expect(
        checkFacts(reply.replyText, {
          customer: [message],
          orders: given(ORDER),
          policies: {},
          merchant: ['Sandbox Shop', 'Sam'],
        }).ok,
      ).toBe(false);
    }
    expect(planted).toBeGreaterThan(0);
  });
});
