/**
 * The fake model's sentences, one set per language. Every figure in them is a parameter taken from
 * the document; the fixed words avoid the fact guard's status words ("shipped", "arrived",
 * "cancelled", …) except where the sentence states that very status, so a true reply passes.
 */
export type Tone = 'friendly' | 'formal' | 'concise';

export type PolicyName = 'returns' | 'damagedItems' | 'orderChanges' | 'shipping' | 'faq';

export interface Phrases {
  greeting(tone: Tone, first: string | null, full: string | null): string;
  closing: Record<Tone, string>;
  opener: Record<Tone, string | null>;
  orderIntro(number: string, date: string): string;
  status: {
    fulfilled: string;
    unfulfilled: string;
    partial: string;
    delivered: string;
    /** fulfillmentStatus "unknown": the shop's status says nothing certain, so nothing is claimed. */
    unknown: string;
    other(status: string): string;
  };
  financial: { refunded: string; partially_refunded: string; pending: string; voided: string };
  tracking(company: string, number: string, url: string): string;
  items(list: string): string;
  noReference: string;
  notFound: string;
  emailMismatch: string;
  /** customer_data_unavailable: the shop cannot tell which orders are the customer's; ask for number and name. */
  orderAndName: string;
  invitation: Record<Tone, string | null>;

  /** Where a parcel is, per shipment status the store reported (delivered and unknown have their own). */
  shipment: {
    label_created: string;
    in_transit: string;
    out_for_delivery: string;
    attempted_delivery: string;
    failed_delivery: string;
  };
  deliveredOn(date: string): string;
  expectedOn(date: string): string;
  /** A stalled parcel: an apology and an offer to look into it, never a reason. */
  stalled: string;
  /** Several recent orders and no number named: which one the reply is about, and the question. */
  newestOf(number: string): string;
  whichOrder: string;
  /** Numbers the customer named that are not passed on: never described, never echoed. */
  unmatched: string;
  returnWindow(days: string): string;
  lastReturnDay(number: string, date: string): string;
  returnWindowEnded(number: string, date: string): string;
  /** "Our returns policy": the label before a verbatim quote. */
  policy: Record<PolicyName, string>;
  /** The policy verbatim after its label, no quote marks: a link at its end must not run into a closing „“ or ». */
  quote(label: string, text: string): string;
  /** No policy set for the kind: the team will confirm, nothing promised. */
  confirm: { returns: string; damaged: string; orderChanges: string; presales: string };
  damagedSorry(number: string | null): string;
  addressChange: { possible(number: string): string; notPossible(number: string): string };
  cancellation: { possible(number: string): string; notPossible(number: string): string };
}
