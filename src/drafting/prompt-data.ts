import type { FinancialStatus, FulfillmentStatus, OrderItem, ShipmentStatus, TrackingInfo } from '../stores/order';
import type { DraftKind } from './kinds';

/**
 * The data document the model gets as its user message (buildUserMessage in prompt.ts), as JSON.
 * The sandbox's fake model (src/sandbox/fakes/openai-writer.ts) reads the same shape, so this type
 * is the contract between the two. The customer's words are a string value: data, not instructions.
 */
export interface PromptData {
  customer: { name: string | null; message: string };
  orderLookup: PromptOrderLookup;
  /**
   * The orders the reply may speak of, every one the sender's own: those named in the mail (up to a
   * few), or with none named the sender's most recent ones (up to 3, newest first, `newest` marked).
   */
  orders: PromptOrder[];
  /** Order numbers the customer named that are not passed on (not found, or not the sender's): never describe them. */
  unmatchedNumbers: string[];
  /** Only the policies the merchant set (and, where it keeps the prompt small, only those that matter for the mail). */
  policies: PromptPolicies;
  merchant: {
    shopName: string;
    tone: 'friendly' | 'formal' | 'concise';
    signOffName: string;
    fallbackLanguage: string;
  };
  /** The calendar day (YYYY-MM-DD, UTC: the shop's time zone is not known) the facts were computed on. */
  today: string;
}

export type PromptOrderLookup =
  /** The customer named order numbers and at least one is theirs (orders); others are in unmatchedNumbers. */
  | 'matched'
  /** No number named: the sender's recent orders, newest first; the reply picks the one meant or asks which. */
  | 'recent'
  /** Every number named matches no order we can see: describe no order, ask them to check the number. */
  | 'not_found'
  /** A number named belongs to another address: reveal nothing, ask them to write from the order's address. */
  | 'email_mismatch'
  /** No number named and no order from this address: ask for the order number. */
  | 'no_reference'
  /** The store withholds customer data (Shopify not approved): reveal nothing, ask for number and name. */
  | 'customer_data_unavailable';

export interface PromptOrder {
  number: string;
  createdAt: string;
  /** The newest of the orders given (always true when there is one). */
  newest: boolean;
  financialStatus: FinancialStatus;
  fulfillmentStatus: FulfillmentStatus;
  tracking: TrackingInfo[];
  shipments: PromptShipment[];
  items: OrderItem[];
  shippingCity: string | null;
  shippingCountry: string | null;
  /** Computed in code from the order, the policies and today, never by the model. */
  facts: OrderFacts;
}

export interface PromptShipment {
  status: ShipmentStatus;
  trackingNumber: string | null;
  shippedAt: string | null;
  deliveredAt: string | null;
  estimatedDeliveryAt: string | null;
}

/**
 * Computed by drafting/order-facts.ts; every day a UTC calendar day. The neutral order has no
 * fulfilment date of its own, so the day counts need a shipment's shippedAt (or deliveredAt).
 */
export interface OrderFacts {
  /** Whole days since the first parcel shipped (its shippedAt); null when no shipment has one. */
  daysSinceShipped: number | null;
  /** Shipped, not delivered, and no movement for the merchant's "stalled after" days. */
  stalled: boolean;
  /** YYYY-MM-DD: the earliest delivery (else shipping) date + the return window; null without a window or a date. */
  lastReturnDay: string | null;
  /** Whether today is on or before lastReturnDay; null when lastReturnDay is null. */
  returnWindowOpen: boolean | null;
  /** Not yet fulfilled, not cancelled: the address can still be changed and the order cancelled. */
  canChangeAddress: boolean;
  canCancel: boolean;
}

export interface PromptPolicies {
  returnWindowDays?: number;
  returns?: string;
  shipping?: string;
  orderChanges?: string;
  damagedItems?: string;
  faq?: string;
}

/** The kinds the model may answer with (REPLY_SCHEMA). */
export type PromptKind = DraftKind;
