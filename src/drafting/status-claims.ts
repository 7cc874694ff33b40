import type { Order } from '../stores/order';
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
    'shipped', 'dispatched', 'transit',
    'expédié', 'expédiée', 'expédiés', 'expédiées',
    'versandt', 'verschickt', 'versendet', 'unterwegs',
    'enviado', 'enviada', 'enviados', 'enviadas', 'despachado', 'despachada',
    'spedito', 'spedita', 'spediti', 'spedite',
    'verzonden', 'verstuurd', 'onderweg',
  ],
  delivered: [
    'delivered', 'arrived',
    'livré', 'livrée', 'livrés', 'livrées', 'arrivé', 'arrivée', 'arrivés', 'arrivées',
    'zugestellt', 'geliefert', 'ausgeliefert', 'angekommen', 'eingetroffen',
    'entregado', 'entregada', 'entregados', 'entregadas', 'llegado',
    'consegnato', 'consegnata', 'consegnati', 'consegnate', 'arrivato', 'arrivata', 'arrivati', 'arrivate',
    'bezorgd', 'afgeleverd', 'geleverd', 'aangekomen',
  ],
  refunded: [
    'refunded', 'remboursé', 'remboursée', 'remboursés', 'remboursées', 'erstattet', 'rückerstattet', 'zurückerstattet',
    'reembolsado', 'reembolsada', 'rimborsato', 'rimborsata', 'terugbetaald',
  ],
  cancelled: [
    'cancelled', 'canceled', 'annulé', 'annulée', 'annulés', 'annulées', 'storniert', 'annulliert',
    'cancelado', 'cancelada', 'anulado', 'anulada', 'annullato', 'annullata', 'cancellato', 'cancellata', 'geannuleerd',
  ],
};

/** Words saying the order is still being prepared: a claim that it has not shipped. */
const PREPARING_WORDS = [
  'preparing', 'processing', 'préparons', 'préparation', 'vorbereiten', 'bearbeitung', 'preparando', 'preparación',
  'preparazione', 'voorbereiden',
];

const NEGATIONS = new Set(['not', 'never', 'no', 'pas', 'jamais', 'nicht', 'nie', 'kein', 'keine', 'nunca', 'non', 'mai', 'niet', 'nooit', 'geen']);
const PART_WORDS = new Set(['part', 'partially', 'partie', 'partiellement', 'teil', 'teilweise', 'parte', 'parcialmente', 'parzialmente', 'deel', 'gedeeltelijk']);
const FUTURE_WORDS = new Set([
  'will', 'should', 'would', 'be', 'soon', 'sera', 'seront', 'devrait', 'bientôt', 'wird', 'werden', 'sollte', 'bald',
  'será', 'serán', 'debería', 'pronto', 'sarà', 'saranno', 'dovrebbe', 'presto', 'wordt', 'zal', 'zou', 'binnenkort',
]);
const WINDOW = 4;

const WORD_INDEX: Map<string, Positive> = new Map(
  (Object.entries(STATUS_WORDS) as [Positive, readonly string[]][]).flatMap(([claim, ws]) => ws.map((w) => [w, claim] as const)),
);

/** Lower-cased words, with sentence ends kept as '.' so a window never reaches into another sentence. */
function tokens(text: string): string[] {
  const normal = normalizeBounded(text, 'NFC').toLowerCase().replace(/n[’']t\b/g, ' not');
  return normal.match(/[\p{L}\p{M}]+|[.!?;:]/gu) ?? [];
}

/** The status claims a text makes. */
export function statusClaims(text: string): Set<StatusClaim> {
  const claims = new Set<StatusClaim>();
  const ts = tokens(text);
  for (let i = 0; i < ts.length; i++) {
    const word = ts[i]!;
    const positive = WORD_INDEX.get(word) ?? (PREPARING_WORDS.includes(word) ? 'preparing' : null);
    if (!positive) continue;
    const before: string[] = [];
    for (let k = i - 1; k >= 0 && before.length < WINDOW; k--) {
      if (/^[.!?;:]$/.test(ts[k]!)) break;
      before.push(ts[k]!);
    }
    if (positive === 'preparing') {
      claims.add('not_shipped');
      continue;
    }
    if (before.some((w) => NEGATIONS.has(w))) claims.add(NEGATIVE[positive]);
    else if (before.some((w) => FUTURE_WORDS.has(w))) continue;
    else if (positive === 'shipped' && before.some((w) => PART_WORDS.has(w))) claims.add('partial');
    else claims.add(positive);
  }
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
    if (['fulfilled', 'shipped', 'in_transit', 'out_for_delivery', 'completed'].includes(fulfilment)) add('shipped', 'not_delivered');
    else if (fulfilment === 'delivered') add('shipped', 'delivered');
    else if (['partially_fulfilled', 'partial'].includes(fulfilment)) add('partial', 'shipped', 'not_shipped', 'not_delivered');
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
  return allowed;
}

const NEGATIVE_CLAIMS = new Set<StatusClaim>(['not_shipped', 'not_delivered', 'not_refunded', 'not_cancelled']);

/**
 * Claims in `draft` that nothing supports. Positive claims need the order; a negative one may also
 * echo the customer ("I am sorry it has not arrived"). Without an order, no positive claim stands.
 */
export function unsupportedClaims(draft: string, order: Order | null, customerText: string): StatusClaim[] {
  const allowed = order ? claimsAllowedBy(order) : new Set<StatusClaim>();
  for (const c of statusClaims(customerText)) if (NEGATIVE_CLAIMS.has(c)) allowed.add(c);
  return [...statusClaims(draft)].filter((c) => !allowed.has(c));
}
