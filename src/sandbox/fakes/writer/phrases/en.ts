import type { Phrases } from './types';

/** English. */
export const EN: Phrases = {
  greeting: (tone, first, full) =>
    tone === 'formal'
      ? `Dear ${full ?? 'customer'},`
      : tone === 'concise'
        ? `Hello${first ? ` ${first}` : ''},`
        : `Hi ${first ?? 'there'},`,
  closing: { friendly: 'Best wishes,', formal: 'Kind regards,', concise: 'Best,' },
  opener: { friendly: 'Thanks for reaching out!', formal: 'Thank you for your message.', concise: null },
  orderIntro: (n, d) => `Your order #${n} was placed on ${d}.`,
  status: {
    fulfilled: 'It has been shipped.',
    unfulfilled: 'It has not shipped yet: we are preparing it.',
    partial: 'Part of it has shipped; the rest will follow.',
    delivered: 'It has been delivered.',
    unknown: 'We are checking where it is and will get back to you shortly.',
    other: (s) => `Its current status is: ${s}.`,
  },
  financial: {
    refunded: 'It has been refunded.',
    partially_refunded: 'It has been partially refunded.',
    pending: 'We are still waiting for the payment to be confirmed.',
    voided: 'The payment was cancelled.',
  },
  tracking: (c, n, u) => `You can follow the parcel with ${c}, tracking number ${n}${u ? `: ${u}` : '.'}`,
  items: (l) => `It contains: ${l}.`,
  noReference: 'Could you send us your order number so that we can look into it?',
  notFound: 'We could not find an order matching your message. Could you check your order number and send it to us?',
  emailMismatch:
    'To protect your privacy, we can only share order details with the email address used to place the order. Could you write to us from that address, or send us the order number together with the name on the order?',
  orderAndName: 'Could you send us your order number and the name on the order, so that we can look into it?',
  invitation: {
    friendly: 'Let us know if there is anything else we can do!',
    formal: 'Please do not hesitate to contact us if you have any other questions.',
    concise: null,
  },
  shipment: {
    label_created: 'A shipping label has been created; the parcel is not yet with the carrier.',
    in_transit: 'The parcel is in transit.',
    out_for_delivery: 'The parcel is out for delivery today.',
    attempted_delivery: 'The carrier tried to deliver it but could not.',
    failed_delivery: 'The carrier could not deliver it.',
  },
  deliveredOn: (d) => `It was delivered on ${d}.`,
  expectedOn: (d) => `The carrier expects to deliver it on ${d}.`,
  stalled:
    'We are sorry: the parcel has shown no movement for a while. We are glad to look into it with the carrier for you.',
  newestOf: (n) => `Your most recent order is #${n}.`,
  whichOrder: 'If your message is about another order, could you tell us its number?',
  unmatched: 'We could not match one of the order numbers in your message to your email address: could you check it?',
  returnWindow: (days) => `You can return items within ${days} days.`,
  lastReturnDay: (n, d) => `For order #${n}, the last day to return is ${d}.`,
  returnWindowEnded: (n, d) => `For order #${n}, the return period ended on ${d}.`,
  policy: {
    returns: 'Our returns policy',
    damagedItems: 'For damaged or wrong items',
    orderChanges: 'For changes to an order',
    shipping: 'About shipping',
    faq: 'From our FAQ',
  },
  quote: (label, text) => `${label}: ${text}`,
  confirm: {
    returns: 'Our team will confirm the details of a return with you shortly.',
    damaged: 'Our team will look at this and confirm the next steps with you shortly.',
    orderChanges: 'Our team will confirm with you shortly.',
    presales: 'Our team will answer your question shortly.',
  },
  damagedSorry: (n) =>
    n ? `We are very sorry that an item from order #${n} is damaged.` : 'We are very sorry that an item is damaged.',
  addressChange: {
    possible: (n) => `The address of order #${n} can still be changed.`,
    notPossible: (n) => `The address of order #${n} can no longer be changed.`,
  },
  cancellation: {
    possible: (n) => `A cancellation of order #${n} is still possible.`,
    notPossible: (n) => `A cancellation of order #${n} is no longer possible.`,
  },
};
