import type { Shipment, ShipmentStatus, TrackingInfo } from './order';

/**
 * Helpers both stores use to build Shipments from what they answer. Dates from a store are
 * hostile like everything else: only real instants between 2000 and 2100 are kept, and all come
 * out in one form (toISOString) so the two platforms give equal Shipments for equal parcels.
 */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

/**
 * An instant from an ISO 8601 string (with an offset, or none: UTC, as WooCommerce's *_gmt
 * fields and PHP's gmdate('Y-m-d H:i:s') write it), a plain date (midnight UTC), or unix seconds;
 * null for anything else.
 */
export function instant(value: unknown): string | null {
  let ms: number;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{9,11}$/.test(value.trim()))) {
    const seconds = Number(value);
    if (!Number.isInteger(seconds)) return null;
    ms = seconds * 1000;
  } else if (typeof value === 'string' && value.length <= 40) {
    const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      value.trim(),
    );
    if (!m) return null;
    const [, day, time, zone] = m as unknown as [string, string, string | undefined, string | undefined];
    // Date.UTC rolls 2026-02-31 over to March: refuse a day that is not on the calendar.
    const midnight = Date.parse(`${day}T00:00:00Z`);
    if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== day) return null;
    ms = Date.parse(`${day}T${time ?? '00:00'}${(zone ?? 'Z').replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`);
    if (Number.isNaN(ms)) return null;
  } else {
    return null;
  }
  return ms >= EARLIEST && ms < LATEST ? new Date(ms).toISOString() : null;
}

/** The latest of the instants given (all from instant(), so they compare as strings); null when none. */
export function latest(...values: (string | null)[]): string | null {
  return values.reduce<string | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), null);
}

/**
 * A Shipment as both stores build it: missing facts null, a delivery date only on a delivered
 * parcel and an estimate only on one still coming (a store can keep either after the fact), and
 * the last movement at least the shipping or delivery.
 */
export function shipment(s: {
  status: ShipmentStatus;
  tracking: TrackingInfo | null;
  shippedAt?: string | null;
  deliveredAt?: string | null;
  estimatedDeliveryAt?: string | null;
  lastEventAt?: string | null;
}): Shipment {
  const shippedAt = s.shippedAt ?? null;
  const delivered = s.status === 'delivered';
  const deliveredAt = delivered ? (s.deliveredAt ?? null) : null;
  return {
    status: s.status,
    tracking: s.tracking,
    shippedAt,
    deliveredAt,
    estimatedDeliveryAt: delivered ? null : (s.estimatedDeliveryAt ?? null),
    lastEventAt: latest(s.lastEventAt ?? null, deliveredAt, shippedAt),
  };
}

/** Oldest shipped first; a parcel with no date goes last. Stable, so equal dates keep the store's order. */
export function oldestFirst(shipments: Shipment[]): Shipment[] {
  return [...shipments].sort((a, b) => (a.shippedAt ?? '\uffff').localeCompare(b.shippedAt ?? '\uffff'));
}
