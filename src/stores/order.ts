/**
 * The facts Draftline may use about one order, in a shape common to every store platform.
 * They live in memory for one processing step only and are never persisted or logged.
 */
export interface TrackingInfo {
  company: string;
  number: string;
  url: string;
}

/**
 * The fulfilment words Draftline understands, from any platform. `unknown` is explicit: the store
 * reported a state we cannot read (a plugin's own status, say), so nothing may be claimed about
 * shipping from it. A platform may still pass another lower-case word (Shopify's own display
 * statuses), hence the open end.
 */
export type FulfillmentStatus =
  | 'fulfilled'
  | 'unfulfilled'
  | 'partially_fulfilled'
  | 'ready_to_ship'
  | 'shipped'
  | 'in_transit'
  | 'out_for_delivery'
  | 'delivered'
  | 'cancelled'
  | 'refunded'
  | 'unknown'
  | (string & {});

/** Payment words; `unknown` as for FulfillmentStatus. */
export type FinancialStatus =
  | 'paid'
  | 'pending'
  | 'failed'
  | 'refunded'
  | 'partially_refunded'
  | 'voided'
  | 'unknown'
  | (string & {});

/**
 * Where one parcel is, as the store knows it: Shopify from the fulfillment's displayStatus and
 * events, WooCommerce from what its tracking plugins store. `unknown` when the store says nothing
 * readable: then nothing is claimed about where the parcel is.
 */
export const SHIPMENT_STATUSES = [
  'label_created',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'attempted_delivery',
  'failed_delivery',
  'unknown',
] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export interface Shipment {
  /**
   * `unknown` also for a parcel that left but no carrier reported on (a fulfillment marked
   * fulfilled, a tracking entry without TrackShip), and for states with no word here (waiting at
   * a pickup point, held by the carrier). Cancelled fulfillments and labels are no Shipment.
   */
  status: ShipmentStatus;
  /** This parcel's tracking, when the store has it (it is in Order.tracking as well). */
  tracking: TrackingInfo | null;
  /**
   * ISO 8601 instants in toISOString() form, each null when the store does not know it.
   * deliveredAt only on a delivered parcel, estimatedDeliveryAt only on one not yet delivered
   * (WooCommerce keeps the estimate as a day: midnight UTC).
   */
  shippedAt: string | null;
  deliveredAt: string | null;
  estimatedDeliveryAt: string | null;
  /**
   * The latest movement the store knows (last carrier event, else delivered or shipped): for
   * "stalled". Never earlier than shippedAt or deliveredAt; equal to shippedAt when no carrier
   * reported anything (status `unknown`), which says nothing about movement either way.
   */
  lastEventAt: string | null;
}

export interface OrderItem {
  title: string;
  quantity: number;
}

export interface Order {
  /** The order number as the customer sees it, without a leading "#": "1042". */
  number: string;
  /** The customer's email on the order; used only to check it matches the sender. */
  email: string;
  /** ISO 8601. */
  createdAt: string;
  /** Lower-case platform-neutral words, e.g. "paid", "pending", "refunded"; "unknown" when unreadable. */
  financialStatus: FinancialStatus;
  /** Lower-case platform-neutral words, e.g. "fulfilled", "unfulfilled", "partially_fulfilled"; "unknown" when unreadable. */
  fulfillmentStatus: FulfillmentStatus;
  tracking: TrackingInfo[];
  /** One per parcel the store knows of, oldest first; empty when nothing has shipped or the store cannot say. */
  shipments: Shipment[];
  items: OrderItem[];
  shippingCity: string | null;
  shippingCountry: string | null;
}

/** One store's orders, read-only. Implementations: shopify.ts, woocommerce.ts. */
export interface OrderSource {
  /** The order with this number (digits only, no "#"), or null. */
  findByNumber(number: string): Promise<Order | null>;
  /** The most recent orders placed with this email, newest first. `signal` ends the request early. */
  recentByEmail(email: string, limit: number, signal?: AbortSignal): Promise<Order[]>;
}
