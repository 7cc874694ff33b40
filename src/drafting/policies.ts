/**
 * The shop's own policies, in the merchant's words (account settings, kept and exported like the
 * rest of the settings). Replies quote them; a policy that is not set is never made up: the reply
 * then says the team will confirm.
 */
export interface StorePolicies {
  /** Days a customer has to return an item, counted from delivery (or fulfilment when not known). */
  returnWindowDays: number | null;
  /** How to return, who pays shipping, refund method and timing, links. */
  returns: string | null;
  /** Destinations, delivery times, costs. */
  shipping: string | null;
  /** Address changes and cancellations: how and until when. */
  orderChanges: string | null;
  /** What happens when an item arrives damaged or wrong. */
  damagedItems: string | null;
  /** Anything else customers often ask. */
  faq: string | null;
}

export const NO_POLICIES: StorePolicies = {
  returnWindowDays: null,
  returns: null,
  shipping: null,
  orderChanges: null,
  damagedItems: null,
  faq: null,
};

/** A parcel with no movement for this many days is "stalled" unless the merchant says otherwise. */
export const DEFAULT_STALLED_AFTER_DAYS = 7;

/** The policies as the accounts row holds them. */
export function policiesOf(row: {
  returnWindowDays: number | null;
  policyReturns: string | null;
  policyShipping: string | null;
  policyOrderChanges: string | null;
  policyDamagedItems: string | null;
  policyFaq: string | null;
}): StorePolicies {
  return {
    returnWindowDays: row.returnWindowDays,
    returns: row.policyReturns,
    shipping: row.policyShipping,
    orderChanges: row.policyOrderChanges,
    damagedItems: row.policyDamagedItems,
    faq: row.policyFaq,
  };
}
