import { z } from 'zod';
import type { FulfillmentStatus, Shipment, ShipmentStatus } from './order';
import { instant, oldestFirst, shipment } from './shipments';
import { keyedEntries, metaEntries, type TrackingEntry } from './woocommerce-tracking';
import { ownEntry } from '../platform/own-entry';

/**
 * Where a WooCommerce order's parcels are, from what the tracking plugins keep in order meta: one
 * Shipment per `_wc_shipment_tracking_items` entry, its status from TrackShip when the store runs
 * it. TrackShip (trackship/trackship-for-woocommerce, and the TrackShip integration of Advanced
 * Shipment Tracking before it) keys its metas by the tracking entry's PHP array key:
 * - `ts_shipment_status`: `{key: {status}}`, all the current plugin writes to order meta
 *   (class-trackship-rest-api-controller.php tracking_webhook; dates stay in its own tables);
 * - `shipment_status`: `{key: {status, status_date, est_delivery_date, tracking_events, …,
 *   pending_status}}`, written by AST's TrackShip webhook (3.x) and TrackShip for WooCommerce 1.x:
 *   status_date is the carrier's latest event ('Y-m-d H:i:s', UTC), est_delivery_date 'Y-m-d'.
 * Meta is whatever anyone with access to the store wrote: a malformed value costs only its entry.
 */

/**
 * TrackShip's carrier words (its shipment status filter and trackship_status_filter_func).
 * `failure` is its "Delivery Failure", a failed attempt the carrier retries; `return_to_sender` is a
 * delivery that failed for good. `available_for_pickup`, `on_hold` and `exception` have no neutral
 * word: `unknown`. Its own states (`pending_trackship`, `carrier_unsupported`, `invalid_tracking`,
 * `unknown`, error texts…) say nothing of the parcel, so the order's status speaks instead.
 */
const CARRIER_WORDS: Readonly<Record<string, ShipmentStatus>> = {
  pre_transit: 'label_created',
  in_transit: 'in_transit',
  out_for_delivery: 'out_for_delivery',
  delivered: 'delivered',
  failure: 'attempted_delivery',
  return_to_sender: 'failed_delivery',
  available_for_pickup: 'unknown',
  on_hold: 'unknown',
  exception: 'unknown',
};
/** A cancelled label is no parcel: its tracking number will never move. */
const NOT_A_PARCEL = new Set(['label_cancelled', 'cancelled']);

const word = z
  .string()
  .max(64)
  .transform((s) => s.trim().toLowerCase())
  .optional()
  .catch(undefined);
const StatusEntry = z.object({
  status: word,
  status_date: z.unknown().optional().transform(instant),
  est_delivery_date: z.unknown().optional().transform(instant),
});

interface Reported {
  status?: string;
  statusDate?: string | null;
  estimatedDelivery?: string | null;
}

/** TrackShip's report per tracking entry key: the older meta (with dates) first, the current one for what it lacks. */
function trackShipReports(meta: { key: string; value: unknown }[]): Map<string, Reported> {
  const reports = new Map<string, Reported>();
  for (const metaKey of ['shipment_status', 'ts_shipment_status']) {
    const entry = meta.find((m) => m.key === metaKey);
    if (!entry) continue;
    for (const [key, raw] of keyedEntries(entry.value)) {
      const parsed = StatusEntry.safeParse(raw);
      if (!parsed.success || reports.get(key)?.status) continue;
      reports.set(key, {
        status: parsed.data.status,
        statusDate: parsed.data.status_date,
        estimatedDelivery: parsed.data.est_delivery_date,
      });
    }
  }
  return reports;
}

const SHIPPED: ReadonlySet<FulfillmentStatus> = new Set([
  'fulfilled',
  'shipped',
  'partially_fulfilled',
  'in_transit',
  'out_for_delivery',
  'delivered',
]);

/**
 * What the order's status says of a parcel TrackShip did not report: Advanced Shipment Tracking's
 * `delivered` comes only when every parcel is (TrackShip's check_tracking_delivered); a plugin's
 * in-transit or out-for-delivery can only be about the one parcel when there is one.
 */
function fromOrderStatus(fulfillment: FulfillmentStatus, parcels: number): ShipmentStatus {
  if (fulfillment === 'delivered') return 'delivered';
  if (parcels === 1 && fulfillment === 'in_transit') return 'in_transit';
  if (parcels === 1 && fulfillment === 'out_for_delivery') return 'out_for_delivery';
  return 'unknown';
}

export interface WooParcels {
  shipments: Shipment[];
  /** Keys of tracking entries whose label was cancelled: their tracking is no parcel's either. */
  cancelled: Set<string>;
}

/**
 * The order's shipments. `dateCompleted` (date_completed_gmt: when the order was marked completed,
 * i.e. sent) stands in for a missing date_shipped; an order sent without any tracking entry is one
 * parcel without tracking, as Shopify shows a fulfillment without tracking.
 */
export function wooShipments(
  entries: TrackingEntry[],
  meta: unknown[],
  order: { fulfillment: FulfillmentStatus; dateCompleted: string | null },
): WooParcels {
  const reports = trackShipReports(metaEntries(meta));
  const cancelled = new Set(
    entries.filter((e) => NOT_A_PARCEL.has(reports.get(e.key)?.status ?? '')).map((e) => e.key),
  );
  const parcels = entries.filter((e) => !cancelled.has(e.key));
  if (!parcels.length) {
    if (cancelled.size || !SHIPPED.has(order.fulfillment)) return { shipments: [], cancelled };
    return {
      shipments: [
        shipment({ status: fromOrderStatus(order.fulfillment, 1), tracking: null, shippedAt: order.dateCompleted }),
      ],
      cancelled,
    };
  }
  const shipments = parcels.map((e) => {
    const report = reports.get(e.key);
    const carrier = report?.status ? (ownEntry(CARRIER_WORDS, report.status) ?? null) : null;
    const status = carrier ?? fromOrderStatus(order.fulfillment, parcels.length);
    const statusDate = carrier ? (report?.statusDate ?? null) : null;
    return shipment({
      status,
      tracking: e.tracking,
      shippedAt: instant(e.dateShipped) ?? order.dateCompleted,
      deliveredAt: carrier === 'delivered' ? statusDate : null,
      estimatedDeliveryAt: report?.estimatedDelivery ?? null,
      lastEventAt: statusDate,
    });
  });
  return { shipments: oldestFirst(shipments), cancelled };
}
