import { describe, expect, it } from 'vitest';
import { findOrder } from '../../src/pipeline/find-order';
import type { Order, OrderSource } from '../../src/stores/order';
import { sampleOrder } from '../support/runtime';

/** An order source over a fixed list, recording what was asked. */
function source(orders: Order[]) {
  const asked: string[] = [];
  const s: OrderSource = {
    findByNumber: async (n) => (asked.push(`number:${n}`), orders.find((o) => o.number === n) ?? null),
    recentByEmail: async (e, limit) => (asked.push(`email:${e}`), orders.filter((o) => o.email.toLowerCase() === e).slice(0, limit)),
  };
  return { s, asked };
}

const janes = sampleOrder({ number: '1042', email: 'Jane@Example.net' });
const bobs = sampleOrder({ number: '2001', email: 'bob@example.org' });

describe('findOrder: an order only for the person it belongs to', () => {
  it.each([
    ['#1042'],
    ['order 1042'],
    ['commande n°1042'],
    ['Bestellung 1042'],
    ['pedido 1042'],
    ['ordine 1042'],
    ['bestelling 1042'],
  ])('matches "%s" when the order email is the sender’s (case aside)', async (text) => {
    const { s } = source([janes, bobs]);
    expect(await findOrder(s, 'JANE@example.NET', `Hello, ${text}?`)).toEqual({ lookup: 'matched', order: janes });
  });

  it('discloses nothing about someone else’s order, even when the sender has orders of their own', async () => {
    const { s } = source([janes, bobs]);
    expect(await findOrder(s, 'jane@example.net', 'Where is order #2001?')).toEqual({ lookup: 'email_mismatch', order: null });
  });

  it('falls back to the sender’s most recent order when no number is given', async () => {
    const { s, asked } = source([janes, bobs]);
    expect(await findOrder(s, 'jane@example.net', 'Where is my parcel?')).toEqual({ lookup: 'matched', order: janes });
    expect(asked).toEqual(['email:jane@example.net']);
  });

  it('says not_found for a number nobody has, and no_reference when there is nothing to go on', async () => {
    const { s } = source([bobs]);
    expect(await findOrder(s, 'jane@example.net', 'order 9999?')).toEqual({ lookup: 'not_found', order: null });
    expect(await findOrder(s, 'jane@example.net', 'hello')).toEqual({ lookup: 'no_reference', order: null });
  });

  it('reads a number from the quoted confirmation when the new words have none', async () => {
    const { s } = source([janes]);
    expect(await findOrder(s, 'jane@example.net', 'Any news?', 'Any news?\n> Your order #1042 is confirmed')).toEqual({ lookup: 'matched', order: janes });
  });
});
