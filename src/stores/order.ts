/**
 * The facts Draftline may use about one order, in a shape common to every store platform.
 * They live in memory for one processing step only and are never persisted or logged.
 */
export interface TrackingInfo {
  company: string;
  number: string;
  url: string;
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
  /** Lower-case platform-neutral words, e.g. "paid", "pending", "refunded". */
  financialStatus: string;
  /** Lower-case platform-neutral words, e.g. "fulfilled", "unfulfilled", "partially_fulfilled". */
  fulfillmentStatus: string;
  tracking: TrackingInfo[];
  items: OrderItem[];
  shippingCity: string | null;
  shippingCountry: string | null;
}

/** One store's orders, read-only. Implementations: shopify.ts, woocommerce.ts. */
export interface OrderSource {
  /** The order with this number (digits only, no "#"), or null. */
  findByNumber(number: string): Promise<Order | null>;
  /** The most recent orders placed with this email, newest first. */
  recentByEmail(email: string, limit: number): Promise<Order[]>;
}
