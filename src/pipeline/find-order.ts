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
 * The order the customer means: first any order number in their words (subject included), else
 * their most recent order. An order whose email is not the sender's is never used.
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

  const [recent] = await source.recentByEmail(senderAddress, 1);
  if (recent && normaliseAddress(recent.email) === senderAddress) return { lookup: 'matched', order: recent };
  return { lookup: numbers.length ? 'not_found' : 'no_reference', order: null };
}
