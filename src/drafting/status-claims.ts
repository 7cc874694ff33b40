import type { Order, Shipment } from '../stores/order';
import { normalizeBounded } from './order-reference';

/**
 * What a reply says about an order's state, read from its words in en, fr, de, es, it and nl, so
 * the fact guard can hold it against the order's statuses. A model that turns "fulfilled" into
 * "delivered", or "unfulfilled" into "on its way", is caught here.
 *
 * Reading, per sentence: a status word ("shipped", "expédiée", "zugestellt", …) makes a claim;
 * a negation among the four words before it ("not", "pas", "nicht", "no", "non", "niet") turns it
 * into its negative ("not_shipped"); a part word before a shipping word ("part of it has shipped")
 * makes it "partial"; a future or conditional word before it ("will be delivered") makes it no
 * claim at all (a promise is not a statement of state; promises are the prompt's business).
 */
export type StatusClaim =
  | 'shipped'
  | 'delivered'
  | 'partial'
  | 'refunded'
  | 'cancelled'
  | 'not_shipped'
  | 'not_delivered'
  | 'not_refunded'
  | 'not_cancelled';

type Positive = 'shipped' | 'delivered' | 'refunded' | 'cancelled';
const NEGATIVE: Record<Positive, StatusClaim> = {
  shipped: 'not_shipped',
  delivered: 'not_delivered',
  refunded: 'not_refunded',
  cancelled: 'not_cancelled',
};

/** Whole words (lower-cased, NFC) that state a status. */
const STATUS_WORDS: Record<Positive, readonly string[]> = {
  shipped: [
    'shipped',
    'dispatched',
    'transit',
    'expédié',
    'expédiée',
    'expédiés',
    'expédiées',
    'versandt',
    'verschickt',
    'versendet',
    'unterwegs',
    'enviado',
    'enviada',
    'enviados',
    'enviadas',
    'despachado',
    'despachada',
    'spedito',
    'spedita',
    'spediti',
    'spedite',
    'verzonden',
    'verstuurd',
    'onderweg',
  ],
  delivered: [
    'delivered',
    'arrived',
    'livré',
    'livrée',
    'livrés',
    'livrées',
    'arrivé',
    'arrivée',
    'arrivés',
    'arrivées',
    'zugestellt',
    'geliefert',
    'ausgeliefert',
    'angekommen',
    'eingetroffen',
    'entregado',
    'entregada',
    'entregados',
    'entregadas',
    'llegado',
    'consegnato',
    'consegnata',
    'consegnati',
    'consegnate',
    'arrivato',
    'arrivata',
    'arrivati',
    'arrivate',
    'bezorgd',
    'afgeleverd',
    'geleverd',
    'aangekomen',
  ],
  refunded: [
    'refunded',
    'remboursé',
    'remboursée',
    'remboursés',
    'remboursées',
    'erstattet',
    'rückerstattet',
    'zurückerstattet',
    'reembolsado',
    'reembolsada',
    'rimborsato',
    'rimborsata',
    'terugbetaald',
  ],
  cancelled: [
    'cancelled',
    'canceled',
    'annulé',
    'annulée',
    'annulés',
    'annulées',
    'storniert',
    'annulliert',
    'cancelado',
    'cancelada',
    'anulado',
    'anulada',
    'annullato',
    'annullata',
    'cancellato',
    'cancellata',
    'geannuleerd',
  ],
};

/** Words saying the order is still being prepared: a claim that it has not shipped. */
const PREPARING_WORDS = [
  'preparing',
  'processing',
  'préparons',
  'préparation',
  'vorbereiten',
  'bearbeitung',
  'preparando',
  'preparación',
  'preparazione',
  'voorbereiden',
];

const NEGATIONS = new Set([
  'not',
  'never',
  'no',
  'pas',
  'jamais',
  'nicht',
  'nie',
  'kein',
  'keine',
  'nunca',
  'non',
  'mai',
  'niet',
  'nooit',
  'geen',
]);
const PART_WORDS = new Set([
  'part',
  'partially',
  'partie',
  'partiellement',
  'teil',
  'teilweise',
  'parte',
  'parcialmente',
  'parzialmente',
  'deel',
  'gedeeltelijk',
]);
const FUTURE_WORDS = new Set([
  'will',
  'should',
  'would',
  'be',
  'soon',
  'sera',
  'seront',
  'devrait',
  'bientôt',
  'wird',
  'werden',
  'sollte',
  'bald',
  'será',
  'serán',
  'debería',
  'pronto',
  'sarà',
  'saranno',
  'dovrebbe',
  'presto',
  'wordt',
  'zal',
  'zou',
  'binnenkort',
]);
const WINDOW = 4;

const WORD_INDEX: Map<string, Positive> = new Map(
  (Object.entries(STATUS_WORDS) as [Positive, readonly string[]][]).flatMap(([claim, ws]) =>
    ws.map((w) => [w, claim] as const),
  ),
);

const SENTENCE_END = /^[.!?;:]$/;
const DIGITS = /^[0-9]+$/;

/**
 * The text cut into sentences of lower-cased words, and the digit runs (order numbers) each names.
 */
function sentences(text: string): { words: string[]; numbers: string[] }[] {
  const normal = normalizeBounded(text, 'NFC')
    .toLowerCase()
    .replace(/n[’']t\b/g, ' not');
  const out: { words: string[]; numbers: string[] }[] = [];
  let current = { words: [] as string[], numbers: [] as string[] };
  for (const [t] of normal.matchAll(/[\p{L}\p{M}]+|[0-9]+|[.!?;:]/gu)) {
    if (!SENTENCE_END.test(t)) (DIGITS.test(t) ? current.numbers : current.words).push(t);
    else if (current.words.length || current.numbers.length) {
      out.push(current);
      current = { words: [], numbers: [] };
    }
  }
  if (current.words.length || current.numbers.length) out.push(current);
  return out;
}

/** The claims one sentence's words make. */
function sentenceClaims(ts: readonly string[], claims: Set<StatusClaim>): void {
  for (let i = 0; i < ts.length; i++) {
    const word = ts[i]!;
    const positive = WORD_INDEX.get(word) ?? (PREPARING_WORDS.includes(word) ? 'preparing' : null);
    if (!positive) continue;
    const before = ts.slice(Math.max(0, i - WINDOW), i);
    if (positive === 'preparing') {
      claims.add('not_shipped');
      continue;
    }
    if (before.some((w) => NEGATIONS.has(w))) claims.add(NEGATIVE[positive]);
    else if (before.some((w) => FUTURE_WORDS.has(w))) continue;
    else if (positive === 'shipped' && before.some((w) => PART_WORDS.has(w))) claims.add('partial');
    else claims.add(positive);
  }
}

/** The status claims a text makes. */
export function statusClaims(text: string): Set<StatusClaim> {
  const claims = new Set<StatusClaim>();
  for (const sentence of sentences(text)) sentenceClaims(sentence.words, claims);
  return claims;
}

/**
 * The claims an order's statuses support. `unknown` (a status the store reported that we cannot
 * read, such as a plugin's own) supports no claim at all: not "shipped", and not "not shipped"
 * either; an unknown fulfilment also leaves "not cancelled" unsupported, an unknown payment
 * "not refunded".
 */
export function claimsAllowedBy(order: Order): Set<StatusClaim> {
  const allowed = new Set<StatusClaim>();
  const add = (...cs: StatusClaim[]) => cs.forEach((c) => allowed.add(c));
  const fulfilment = order.fulfillmentStatus.toLowerCase();
  const financial = order.financialStatus.toLowerCase();
  const fulfilmentKnown = fulfilment !== 'unknown' && fulfilment !== '';
  const financialKnown = financial !== 'unknown' && financial !== '';
  if (fulfilmentKnown) {
    if (['fulfilled', 'shipped', 'in_transit', 'out_for_delivery', 'completed'].includes(fulfilment))
      add('shipped', 'not_delivered');
    else if (fulfilment === 'delivered') add('shipped', 'delivered');
    else if (['partially_fulfilled', 'partial'].includes(fulfilment))
      add('partial', 'shipped', 'not_shipped', 'not_delivered');
    else if (fulfilment === 'cancelled') add('cancelled', 'not_shipped', 'not_delivered');
    else if (fulfilment === 'refunded') add('refunded');
    else add('not_shipped', 'not_delivered');
  }
  if (financialKnown) {
    if (financial === 'refunded' || financial === 'partially_refunded') add('refunded');
    else if (financial === 'voided') add('cancelled');
    else add('not_refunded');
  }
  if (fulfilmentKnown && financialKnown && fulfilment !== 'cancelled' && financial !== 'voided') add('not_cancelled');
  // Where the parcels are, as the store knows it: a delivered one supports "delivered" whatever
  // the fulfilment word; when every parcel is delivered, "not delivered" no longer stands.
  for (const shipment of order.shipments) {
    if (shipment.status === 'delivered' || shipment.deliveredAt) add('shipped', 'delivered');
    else if (SHIPPED_NOT_DELIVERED.has(shipment.status)) add('shipped', 'not_delivered');
    else if (shipment.status === 'label_created') add('not_delivered');
  }
  if (order.shipments.length && order.shipments.every((s) => s.status === 'delivered' || s.deliveredAt))
    allowed.delete('not_delivered');
  return allowed;
}

const SHIPPED_NOT_DELIVERED = new Set<Shipment['status']>([
  'in_transit',
  'out_for_delivery',
  'attempted_delivery',
  'failed_delivery',
]);

const NEGATIVE_CLAIMS = new Set<StatusClaim>(['not_shipped', 'not_delivered', 'not_refunded', 'not_cancelled']);

/**
 * Claims in `draft` that nothing supports. Positive claims need an order given; a negative one may
 * also echo the customer ("I am sorry it has not arrived"). Without an order, no positive claim
 * stands. A sentence that names order numbers is held against those orders only ("#1041 has been
 * delivered" needs #1041 delivered, not #1040); one naming none, against any order given.
 */
export function unsupportedClaims(draft: string, orders: readonly Order[], customerText: string): StatusClaim[] {
  const echoed = [...statusClaims(customerText)].filter((c) => NEGATIVE_CLAIMS.has(c));
  const allowedBy = new Map(orders.map((o) => [o, claimsAllowedBy(o)] as const));
  const unsupported = new Set<StatusClaim>();
  for (const sentence of sentences(draft)) {
    const claims = new Set<StatusClaim>();
    sentenceClaims(sentence.words, claims);
    if (!claims.size) continue;
    const named = orders.filter((o) => sentence.numbers.includes(o.number));
    const allowed = new Set<StatusClaim>(echoed);
    for (const o of named.length ? named : orders) for (const c of allowedBy.get(o)!) allowed.add(c);
    for (const c of claims) if (!allowed.has(c)) unsupported.add(c);
  }
  return [...unsupported];
}
