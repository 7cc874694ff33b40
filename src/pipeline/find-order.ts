import { extractOrderNumbers } from '../drafting/order-reference';
import type { OrderLookup } from '../drafting/prompt';
import type { Order, OrderSource } from '../stores/order';
import { normaliseAddress } from '../crypto/hmac';

export interface OrderMatch {
  lookup: OrderLookup;
  /** Set only when the order's email is the sender's: nobody learns about someone else's order. */
  order: Order | null;
}

/**
 * The order the customer means: the order number in their words (subject included) or, when they
 * name none, in the quoted mail; only when no number is named at all, their most recent order.
 * An order whose email is not the sender's is never used. A named number that matches no order we
 * can see (mistyped, or older than the 60 days Shopify shows without read_all_orders) is `not_found`:
 * never another of their orders in its place, which would describe an order they did not ask about.
 */
export async function findOrder(
  source: OrderSource,
  sender: string,
  text: string,
  /** Where to look for an order number when `text` names none, e.g. a forwarded confirmation. */
  fallbackText = '',
): Promise<OrderMatch> {
  const senderAddress = normaliseAddress(sender);
  let numbers = extractOrderNumbers(text);
  if (!numbers.length && fallbackText) numbers = extractOrderNumbers(fallbackText);
  let mismatch = false;
  for (const number of numbers) {
    const order = await source.findByNumber(number);
    if (!order) continue;
    if (normaliseAddress(order.email) === senderAddress) return { lookup: 'matched', order };
    mismatch = true;
  }
  if (mismatch) return { lookup: 'email_mismatch', order: null };
  if (numbers.length) return { lookup: 'not_found', order: null };

  const [recent] = await source.recentByEmail(senderAddress, 1);
  if (recent && normaliseAddress(recent.email) === senderAddress) return { lookup: 'matched', order: recent };
  return { lookup: 'no_reference', order: null };
}
