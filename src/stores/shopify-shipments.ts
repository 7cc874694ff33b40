import { z } from 'zod';
import type { Shipment, ShipmentStatus, TrackingInfo } from './order';
import { instant, latest, oldestFirst, shipment } from './shipments';
import { ownEntry } from '../platform/own-entry';

/**
 * Where an order's parcels are, from its Shopify fulfillments (Admin GraphQL `Fulfillment`,
 * https://shopify.dev/docs/api/admin-graphql/latest/objects/Fulfillment): one Shipment per
 * fulfillment that is a parcel. All of it needs only read_orders: Fulfillment and FulfillmentEvent
 * both say "Requires read_orders access scope" (…/objects/FulfillmentEvent), so no shop lacks it.
 * `inTransitAt`, `deliveredAt`, `estimatedDeliveryAt`, `displayStatus` and `events(sortKey:
 * HAPPENED_AT)` exist in every supported version (2025-10 and later).
 */
export const FULFILLMENTS_SELECTION = `fulfillments(first: 10) {
        status
        displayStatus
        createdAt
        inTransitAt
        deliveredAt
        estimatedDeliveryAt
        trackingInfo(first: 3) { number url company }
        events(first: 1, sortKey: HAPPENED_AT, reverse: true) { nodes { status happenedAt } }
      }`;

/**
 * FulfillmentDisplayStatus (https://shopify.dev/docs/api/admin-graphql/latest/enums/FulfillmentDisplayStatus)
 * in neutral words. CONFIRMED, FULFILLED, MARKED_AS_FULFILLED and SUBMITTED say the parcel left (or
 * will) but nothing about where it is: `unknown`. READY_FOR_PICKUP has no neutral word (waiting at
 * a pickup point is neither delivered nor out for delivery): `unknown` too. CANCELED and
 * LABEL_VOIDED are no parcel at all. Any value a later API version adds is `unknown`.
 */
const DISPLAY_STATUS: Readonly<Record<string, ShipmentStatus | null>> = {
  LABEL_PRINTED: 'label_created',
  LABEL_PURCHASED: 'label_created',
  CARRIER_PICKED_UP: 'in_transit',
  IN_TRANSIT: 'in_transit',
  DELAYED: 'in_transit',
  OUT_FOR_DELIVERY: 'out_for_delivery',
  ATTEMPTED_DELIVERY: 'attempted_delivery',
  DELIVERED: 'delivered',
  PICKED_UP: 'delivered',
  FAILURE: 'failed_delivery',
  NOT_DELIVERED: 'failed_delivery',
  CANCELED: null,
  LABEL_VOIDED: null,
};

/**
 * FulfillmentEventStatus (…/enums/FulfillmentEventStatus) names its movements with the display
 * status's words, without the two that are no parcel: read only when displayStatus says nothing.
 */
const EVENT_STATUS: Readonly<Record<string, ShipmentStatus>> = Object.fromEntries(
  Object.entries(DISPLAY_STATUS).filter((entry): entry is [string, ShipmentStatus] => entry[1] !== null),
);

/** FulfillmentStatus values that mean no parcel left: canceled, or the fulfillment request failed. */
const NOT_SENT = new Set(['CANCELLED', 'ERROR', 'FAILURE']);

const word = z.string().max(64).nullish().catch(null);
const date = z.unknown().optional().transform(instant);
const text = (max: number) => z.string().max(max).nullish().catch(null);

/** Each field read on its own: a malformed one is "not given", never the whole order. */
const FulfillmentSchema = z.object({
  status: word,
  displayStatus: word,
  createdAt: date,
  inTransitAt: date,
  deliveredAt: date,
  estimatedDeliveryAt: date,
  trackingInfo: z.array(z.unknown()).catch([]),
  events: z
    .object({ nodes: z.array(z.unknown()).catch([]) })
    .nullish()
    .catch(null),
});
const TrackingInfoSchema = z.object({ number: text(200), url: text(2000), company: text(200) });
const EventSchema = z.object({ status: word, happenedAt: date });

export interface ShopifyParcels {
  tracking: TrackingInfo[];
  shipments: Shipment[];
}

/** The tracking and the shipments of an order's `fulfillments`; anything unreadable is left out. */
export function parcelsFromFulfillments(raw: unknown): ShopifyParcels {
  const tracking: TrackingInfo[] = [];
  const shipments: Shipment[] = [];
  for (const entry of Array.isArray(raw) ? raw.slice(0, 50) : []) {
    const parsed = FulfillmentSchema.safeParse(entry);
    if (!parsed.success) continue;
    const f = parsed.data;
    const display = f.displayStatus ?? '';
    if (NOT_SENT.has(f.status ?? '') || ownEntry(DISPLAY_STATUS, display) === null) continue;

    const own = f.trackingInfo.slice(0, 10).flatMap((t) => {
      const info = TrackingInfoSchema.safeParse(t);
      return info.success && info.data.number
        ? [{ company: info.data.company ?? '', number: info.data.number, url: info.data.url ?? '' }]
        : [];
    });
    tracking.push(...own);

    const events = (f.events?.nodes ?? []).slice(0, 10).flatMap((e) => {
      const event = EventSchema.safeParse(e);
      return event.success && event.data.happenedAt ? [event.data] : [];
    });
    const lastEvent = events.reduce<(typeof events)[number] | null>(
      (a, b) => (!a || b.happenedAt! > a.happenedAt! ? b : a),
      null,
    );
    const fromDisplay = ownEntry(DISPLAY_STATUS, display) ?? null;
    const fromEvent = lastEvent?.status ? (ownEntry(EVENT_STATUS, lastEvent.status) ?? null) : null;
    // displayStatus is Shopify's own summary; the latest event speaks only when it is missing.
    const status: ShipmentStatus = f.displayStatus ? (fromDisplay ?? 'unknown') : (fromEvent ?? 'unknown');

    shipments.push(
      shipment({
        status,
        tracking: own[0] ?? null,
        shippedAt: f.inTransitAt ?? f.createdAt,
        deliveredAt: f.deliveredAt,
        estimatedDeliveryAt: f.estimatedDeliveryAt,
        lastEventAt: latest(lastEvent?.happenedAt ?? null, f.inTransitAt),
      }),
    );
  }
  return { tracking, shipments: oldestFirst(shipments) };
}
