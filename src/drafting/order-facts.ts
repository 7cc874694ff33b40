import type { Order, Shipment } from '../stores/order';
import type { StorePolicies } from './policies';
import type { OrderFacts } from './prompt-data';

/**
 * The facts about an order that take arithmetic (days since shipping, the last day to return,
 * whether a parcel is stalled), computed here so the model never does date sums. Pure: `today` is
 * given. Every day is a calendar day in UTC (YYYY-MM-DD), the day the sync ran: the shop's own time
 * zone is not known, so a fact can be a day off around midnight, never more.
 */
export interface FactsContext {
  /** YYYY-MM-DD, UTC. */
  today: string;
  policies: Pick<StorePolicies, 'returnWindowDays'>;
  stalledAfterDays: number;
}

/** An order as the reply may speak of it: the store's data and what was computed from it. */
export interface OrderWithFacts {
  order: Order;
  facts: OrderFacts;
}

const DAY_MS = 86_400_000;

/** The UTC calendar day of an instant, YYYY-MM-DD. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Days since 1970-01-01 of an ISO 8601 date or timestamp (UTC), or null when unreadable. */
function dayNumber(iso: string | null): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isFinite(ms) ? Math.floor(ms / DAY_MS) : null;
}

const dayString = (day: number): string => utcDay(day * DAY_MS);

/** The smallest of the days given, null when none. */
function earliest(days: (number | null)[]): number | null {
  const known = days.filter((d): d is number => d !== null);
  return known.length ? Math.min(...known) : null;
}

/** Shipments on their way: what "stalled" can be said of. Failed or attempted deliveries have a status of their own to report. */
const MOVING: ReadonlySet<Shipment['status']> = new Set(['label_created', 'in_transit', 'out_for_delivery']);

/**
 * Fulfilment words that say nothing has left the shop yet, so the address can still change and the
 * order still be cancelled (the merchant's order-changes policy says until when). Anything else,
 * `unknown` and a platform's own words included, is false: never a promise.
 */
const NOT_YET_SHIPPED = new Set(['unfulfilled', 'ready_to_ship', 'open', 'scheduled', 'pending_fulfillment']);
const CHANGES_CLOSED_BY_PAYMENT = new Set(['refunded', 'partially_refunded', 'voided', 'unknown', '']);

function isStalled(shipment: Shipment, today: number, stalledAfterDays: number): boolean {
  if (!MOVING.has(shipment.status) || shipment.deliveredAt) return false;
  const lastMovement = dayNumber(shipment.lastEventAt) ?? dayNumber(shipment.shippedAt);
  return lastMovement !== null && today - lastMovement >= stalledAfterDays;
}

/**
 * - daysSinceShipped: from the earliest shipment's shippedAt. The neutral order has no fulfilment
 *   date of its own and its creation date is no shipping date, so without a shippedAt it is null.
 * - stalled: a parcel on its way (label created, in transit, out for delivery), not delivered,
 *   whose last movement (lastEventAt, else shippedAt) is stalledAfterDays or more days ago.
 * - lastReturnDay: the earliest delivery date, else the earliest shipping date, plus the return
 *   window: the earliest, so the day given is never later than the policy allows for any parcel.
 * - canChangeAddress / canCancel: nothing shipped yet (see NOT_YET_SHIPPED, and no shipment with a
 *   date), not cancelled, not refunded, payment state known.
 */
export function orderFacts(order: Order, ctx: FactsContext): OrderFacts {
  const today = dayNumber(ctx.today);
  if (today === null) throw new RangeError('today must be YYYY-MM-DD');
  const shipped = earliest(order.shipments.map((s) => dayNumber(s.shippedAt)));
  const delivered = earliest(order.shipments.map((s) => dayNumber(s.deliveredAt)));

  const window = ctx.policies.returnWindowDays;
  const returnFrom = delivered ?? shipped;
  const lastReturn = window !== null && window >= 0 && returnFrom !== null ? returnFrom + window : null;

  const fulfilment = order.fulfillmentStatus.toLowerCase();
  const financial = order.financialStatus.toLowerCase();
  const nothingShipped = order.shipments.every(
    (s) => !s.shippedAt && !s.deliveredAt && (s.status === 'label_created' || s.status === 'unknown'),
  );
  const changeable = NOT_YET_SHIPPED.has(fulfilment) && nothingShipped && !CHANGES_CLOSED_BY_PAYMENT.has(financial);

  return {
    daysSinceShipped: shipped === null ? null : Math.max(0, today - shipped),
    stalled:
      !['cancelled', 'refunded'].includes(fulfilment) &&
      order.shipments.some((s) => isStalled(s, today, ctx.stalledAfterDays)),
    lastReturnDay: lastReturn === null ? null : dayString(lastReturn),
    returnWindowOpen: lastReturn === null ? null : today <= lastReturn,
    canChangeAddress: changeable,
    canCancel: changeable,
  };
}

export function withFacts(orders: readonly Order[], ctx: FactsContext): OrderWithFacts[] {
  return orders.map((order) => ({ order, facts: orderFacts(order, ctx) }));
}
