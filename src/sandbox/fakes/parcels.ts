import type { Order, ShipmentStatus, TrackingInfo } from '../../stores/order';

/**
 * The parcels a neutral order stands for, for the Shopify and WooCommerce fakes to present in their
 * own shapes: one per shipment given (with its tracking), then one per tracking entry no shipment
 * carries, and for a shipped order with neither, one parcel without tracking (a fulfilled Shopify
 * order always has a fulfillment). Parcels nobody described are what a store without carrier
 * updates knows: shipped when the order was placed, status from the order alone.
 */
export interface FakeParcel {
  status: ShipmentStatus;
  tracking: TrackingInfo | null;
  shippedAt: string;
  deliveredAt: string | null;
  estimatedDeliveryAt: string | null;
  /** The latest carrier movement, when it is later than shipping (and, if delivered, the delivery). */
  lastEventAt: string | null;
  /** Described by the order's shipments (a tracking service reported it), not only implied by it. */
  reported: boolean;
}

const SHIPPED = new Set(['fulfilled', 'shipped', 'partially_fulfilled', 'in_transit', 'out_for_delivery', 'delivered']);

export function parcelsOf(o: Order): FakeParcel[] {
  const parcels: FakeParcel[] = o.shipments.map((s) => ({
    status: s.status,
    tracking: s.tracking,
    shippedAt: s.shippedAt ?? o.createdAt,
    deliveredAt: s.status === 'delivered' ? s.deliveredAt : null,
    estimatedDeliveryAt: s.status === 'delivered' ? null : s.estimatedDeliveryAt,
    lastEventAt: s.status === 'delivered' ? (s.deliveredAt ?? s.lastEventAt) : s.lastEventAt,
    reported: true,
  }));
  const carried = new Set(parcels.flatMap((p) => (p.tracking ? [p.tracking.number] : [])));
  const implied = o.tracking.filter((t) => !carried.has(t.number)).map((t) => t as TrackingInfo | null);
  if (!parcels.length && !implied.length && SHIPPED.has(o.fulfillmentStatus)) implied.push(null);
  const status = impliedStatus(o, parcels.length + implied.length);
  for (const tracking of implied) {
    parcels.push({
      status,
      tracking,
      shippedAt: o.createdAt,
      deliveredAt: null,
      estimatedDeliveryAt: null,
      lastEventAt: null,
      reported: false,
    });
  }
  return parcels;
}

/**
 * What the order's own status says of a parcel nobody described: delivered orders have every parcel
 * delivered (Advanced Shipment Tracking sets "delivered" only then); in transit or out for delivery
 * says it of the only parcel.
 */
function impliedStatus(o: Order, count: number): ShipmentStatus {
  if (o.fulfillmentStatus === 'delivered') return 'delivered';
  if (count === 1 && o.fulfillmentStatus === 'in_transit') return 'in_transit';
  if (count === 1 && o.fulfillmentStatus === 'out_for_delivery') return 'out_for_delivery';
  return 'unknown';
}

/** Unix seconds, as PHP's time() and strtotime() give them. */
export const unixSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
