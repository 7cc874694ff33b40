import { afterEach, describe, expect, it } from 'vitest';
import type { ReplyInput } from '../../src/drafting/prompt';
import { buildUserMessage } from '../../src/drafting/prompt';
import { findOrder } from '../../src/pipeline/find-order';
import { syncAccount } from '../../src/pipeline/sync';
import type { Order, OrderSource } from '../../src/stores/order';
import { sampleOrder } from '../support/runtime';
import { customerMail, startPipeline, type PipelineRuntime } from './support';

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

  it('a named order that cannot be found is not_found, never the sender’s most recent order instead', async () => {
    const older = sampleOrder({ number: '0999', email: 'jane@example.net', createdAt: '2026-09-01T10:00:00Z' });
    const { s, asked } = source([janes, older]);
    expect(await findOrder(s, 'jane@example.net', 'Where is order #7777?')).toEqual({ lookup: 'not_found', order: null });
    // Not even asked for: nothing about another order can reach the reply.
    expect(asked).toEqual(['number:7777']);
  });

  it('a number only in the quoted mail that cannot be found is not_found too', async () => {
    const { s, asked } = source([janes]);
    expect(await findOrder(s, 'jane@example.net', 'Any news?', 'Any news?\n> Your order #5555 is confirmed')).toEqual({ lookup: 'not_found', order: null });
    expect(asked).toEqual(['number:5555']);
  });
});

describe('a named order older than Shopify’s 60-day window (no read_all_orders)', () => {
  let p: PipelineRuntime;
  afterEach(() => p?.close());

  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

  it('gets a reply asking to check the number, and no other order’s data reaches the model or the draft', async () => {
    // Jane's order #1042 is 75 days old: Shopify shows only the last 60 days without read_all_orders.
    // Her recent #2077 is visible, and must not be described in its place.
    const old = sampleOrder({ number: '1042', email: 'jane@example.net', createdAt: daysAgo(75) });
    const recent = sampleOrder({
      number: '2077',
      email: 'jane@example.net',
      createdAt: daysAgo(3),
      fulfillmentStatus: 'unfulfilled',
      tracking: [{ company: 'CanaryPost', number: 'CANARY-TRACK-2077', url: 'https://track.example/CANARY-TRACK-2077' }],
      items: [{ title: 'Canary kettle', quantity: 1 }],
      shippingCity: 'Canaryville',
    });
    p = await startPipeline('shopify', [old, recent]);
    const inputs: ReplyInput[] = [];
    const writer = p.rt.services.replyWriter;
    p.rt.services.replyWriter = { write: (input, problem) => (inputs.push(input), writer.write(input, problem)) };

    p.deliver(customerMail({ from: 'Jane Doe <jane@example.net>', subject: 'My order #1042', body: 'Hello, where is my order #1042?', messageId: '<old1@example.net>' }));
    await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });

    expect(inputs).toHaveLength(1);
    expect(inputs[0]!.orderLookup).toBe('not_found');
    expect(inputs[0]!.order).toBeNull();
    const prompt = buildUserMessage(inputs[0]!);
    for (const canary of ['2077', 'CANARY-TRACK-2077', 'Canary kettle', 'Canaryville', 'CanaryPost']) expect(prompt).not.toContain(canary);

    const [draft] = await p.rt.drafts();
    expect(draft?.text).toMatch(/check your order number/i);
    for (const canary of ['2077', 'CANARY-TRACK-2077', 'Canary kettle', 'Canaryville']) expect(draft!.text).not.toContain(canary);
    expect(await p.counters()).toMatchObject({ drafted: 1 });
  });
});

