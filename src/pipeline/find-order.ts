import { extractOrderNumbers } from '../drafting/order-reference';
import type { PromptOrderLookup } from '../drafting/prompt-data';
import type { Order, OrderSource } from '../stores/order';
import { normaliseAddress } from '../crypto/hmac';

export interface OrderMatch {
  lookup: PromptOrderLookup;
  /** Only orders whose email is the sender's: nobody learns about someone else's order. */
  orders: Order[];
  /** Numbers the customer named that are not passed on: not found, someone else's, or over the limit. */
  unmatchedNumbers: string[];
}

const timeOf = (order: Order): number => Date.parse(order.createdAt) || 0;

/** At most this many named orders are looked up (side by side) and passed on. */
export const MAX_NAMED_ORDERS = 3;
/** With no number named, this many of the sender's recent orders, newest first. */
export const MAX_RECENT_ORDERS = 3;

/**
 * The orders the customer means: every order number in their words (subject included) or, when
 * they name none, in the quoted mail; only when no number is named at all, their recent orders.
 * An order whose email is not the sender's is never used. A named number that matches no order we
 * can see (mistyped, or older than the 60 days Shopify shows without read_all_orders) is never
 * replaced by another of their orders, which would describe an order they did not ask about: it
 * goes in unmatchedNumbers, and with no named order left the lookup is `not_found`.
 */
export async function findOrders(
  source: OrderSource,
  sender: string,
  text: string,
  /** Where to look for order numbers when `text` names none, e.g. a forwarded confirmation. */
  fallbackText = '',
  /**
   * The sender's MAX_RECENT_ORDERS most recent orders when already read (read ahead while the mail
   * was downloaded): a named order among them, or the recent-orders answer, needs no call.
   */
  readAhead?: readonly Order[],
): Promise<OrderMatch> {
  const senderAddress = normaliseAddress(sender);
  const isSenders = (order: Order | null): order is Order =>
    order !== null && normaliseAddress(order.email) === senderAddress;
  let numbers = extractOrderNumbers(text);
  if (!numbers.length && fallbackText) numbers = extractOrderNumbers(fallbackText);

  if (numbers.length) {
    const looked = numbers.slice(0, MAX_NAMED_ORDERS);
    const found = await Promise.all(
      looked.map((n) => readAhead?.find((o) => o.number === n && isSenders(o)) ?? source.findByNumber(n)),
    );
    const orders = found.filter(isSenders);
    const unmatchedNumbers = numbers.filter((_n, i) => i >= looked.length || !isSenders(found[i]!));
    if (orders.length) return { lookup: 'matched', orders, unmatchedNumbers };
    // Someone else's order: say nothing about it, only that it cannot be discussed with this address.
    const lookup = found.some((o) => o !== null) ? 'email_mismatch' : 'not_found';
    return { lookup, orders: [], unmatchedNumbers };
  }

  const recent = (readAhead ?? (await source.recentByEmail(senderAddress, MAX_RECENT_ORDERS)))
    .filter(isSenders)
    .sort((a, b) => timeOf(b) - timeOf(a))
    .slice(0, MAX_RECENT_ORDERS);
  return { lookup: recent.length ? 'recent' : 'no_reference', orders: recent, unmatchedNumbers: [] };
}
