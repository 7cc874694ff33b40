import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { hashAddress } from '../../src/crypto/hmac';
import { accounts, optOuts } from '../../src/db/schema';
import { buildUserMessage } from '../../src/drafting/prompt';
import { findOrders, MAX_NAMED_ORDERS, MAX_RECENT_ORDERS } from '../../src/pipeline/find-order';
import { syncAccount } from '../../src/pipeline/sync';
import { StoreApiError } from '../../src/stores/errors';
import type { Order, OrderSource } from '../../src/stores/order';
import { sampleOrder } from '../support/runtime';
import { customerMail, recordReplyInputs, pipelineForTest, type PipelineRuntime } from '../support/pipeline';

/** An order source over a fixed list, recording what was asked. */
function source(orders: Order[]) {
  const asked: string[] = [];
  const s: OrderSource = {
    findByNumber: async (n) => (asked.push(`number:${n}`), orders.find((o) => o.number === n) ?? null),
    recentByEmail: async (e, limit) => (
      asked.push(`email:${e}`), orders.filter((o) => o.email.toLowerCase() === e).slice(0, limit)
    ),
  };
  return { s, asked };
}

const janes = sampleOrder({ number: '1042', email: 'Jane@Example.net' });
const bobs = sampleOrder({ number: '2001', email: 'bob@example.org' });
const matched = (...orders: Order[]) => ({ lookup: 'matched', orders, unmatchedNumbers: [] });

describe('findOrders: orders only for the person they belong to', () => {
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
    expect(await findOrders(s, 'JANE@example.NET', `Hello, ${text}?`)).toEqual(matched(janes));
  });

  it('discloses nothing about someone else’s order, even when the sender has orders of their own', async () => {
    const { s } = source([janes, bobs]);
    expect(await findOrders(s, 'jane@example.net', 'Where is order #2001?')).toEqual({
      lookup: 'email_mismatch',
      orders: [],
      unmatchedNumbers: ['2001'],
    });
  });

  it('says not_found for a number nobody has, and no_reference when there is nothing to go on', async () => {
    const { s } = source([bobs]);
    expect(await findOrders(s, 'jane@example.net', 'order 9999?')).toEqual({
      lookup: 'not_found',
      orders: [],
      unmatchedNumbers: ['9999'],
    });
    expect(await findOrders(s, 'jane@example.net', 'hello')).toEqual({
      lookup: 'no_reference',
      orders: [],
      unmatchedNumbers: [],
    });
  });

  it('reads a number from the quoted confirmation when the new words have none', async () => {
    const { s } = source([janes]);
    expect(await findOrders(s, 'jane@example.net', 'Any news?', 'Any news?\n> Your order #1042 is confirmed')).toEqual(
      matched(janes),
    );
  });

  it('a named order that cannot be found is not_found, never the sender’s most recent order instead', async () => {
    const older = sampleOrder({ number: '0999', email: 'jane@example.net', createdAt: '2026-09-01T10:00:00Z' });
    const { s, asked } = source([janes, older]);
    expect(await findOrders(s, 'jane@example.net', 'Where is order #7777?')).toEqual({
      lookup: 'not_found',
      orders: [],
      unmatchedNumbers: ['7777'],
    });
    // Not even asked for: nothing about another order can reach the reply.
    expect(asked).toEqual(['number:7777']);
  });

  it('a number only in the quoted mail that cannot be found is not_found too', async () => {
    const { s, asked } = source([janes]);
    expect(await findOrders(s, 'jane@example.net', 'Any news?', 'Any news?\n> Your order #5555 is confirmed')).toEqual({
      lookup: 'not_found',
      orders: [],
      unmatchedNumbers: ['5555'],
    });
    expect(asked).toEqual(['number:5555']);
  });
});

describe('findOrders: every order the customer names', () => {
  const j1040 = sampleOrder({ number: '1040', email: 'jane@example.net' });
  const j1041 = sampleOrder({ number: '1041', email: 'jane@example.net', fulfillmentStatus: 'unfulfilled' });

  it('passes on each named order that is the sender’s, in the order named', async () => {
    const { s } = source([j1040, j1041, janes]);
    expect(await findOrders(s, 'jane@example.net', 'I placed #1041 and #1040, #1041 never turned up')).toEqual(
      matched(j1041, j1040),
    );
  });

  it('keeps someone else’s order and a number nobody has out, naming them only as unmatched', async () => {
    const { s } = source([j1040, bobs]);
    const match = await findOrders(s, 'jane@example.net', 'About orders 1040, 2001 and 9999');
    expect(match).toEqual({ lookup: 'matched', orders: [j1040], unmatchedNumbers: ['2001', '9999'] });
    // Bob's order reaches nothing the reply is built from.
    expect(JSON.stringify(match)).not.toContain('bob@example.org');
  });

  it('looks up at most MAX_NAMED_ORDERS numbers, side by side; the rest are unmatched', async () => {
    const mine = ['1001', '1002', '1003', '1004'].map((number) => sampleOrder({ number, email: 'jane@example.net' }));
    let inFlight = 0;
    let most = 0;
    const s: OrderSource = {
      findByNumber: async (n) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return mine.find((o) => o.number === n) ?? null;
      },
      recentByEmail: async () => [],
    };
    const match = await findOrders(s, 'jane@example.net', 'orders 1001, 1002, 1003 and 1004');
    expect(match.orders.map((o) => o.number)).toEqual(['1001', '1002', '1003'].slice(0, MAX_NAMED_ORDERS));
    expect(match.unmatchedNumbers).toEqual(['1004']);
    expect(most).toBe(MAX_NAMED_ORDERS);
  });

  it('with only other people’s or unknown numbers named, is email_mismatch and passes nothing on', async () => {
    const { s } = source([bobs]);
    expect(await findOrders(s, 'jane@example.net', 'orders 2001 and 9999')).toEqual({
      lookup: 'email_mismatch',
      orders: [],
      unmatchedNumbers: ['2001', '9999'],
    });
  });
});

describe('findOrders: no number named', () => {
  const at = (number: string, createdAt: string, email = 'jane@example.net') =>
    sampleOrder({ number, email, createdAt });

  it('gives the sender’s recent orders, at most MAX_RECENT_ORDERS, newest first', async () => {
    const orders = [
      at('1', '2026-10-01T00:00:00Z'),
      at('4', '2026-11-20T00:00:00Z'),
      at('2', '2026-10-15T00:00:00Z'),
      at('3', '2026-11-01T00:00:00Z'),
    ];
    // A store that answers in no particular order, and more than asked for.
    const s: OrderSource = { findByNumber: async () => null, recentByEmail: async () => orders };
    const match = await findOrders(s, 'jane@example.net', 'Where is my parcel?');
    expect(match.lookup).toBe('recent');
    expect(match.orders.map((o) => o.number)).toEqual(['4', '3', '2'].slice(0, MAX_RECENT_ORDERS));
    expect(match.unmatchedNumbers).toEqual([]);
  });

  it('never passes on a recent order whose email is not the sender’s', async () => {
    const s: OrderSource = {
      findByNumber: async () => null,
      recentByEmail: async () => [at('7', '2026-11-01T00:00:00Z', 'bob@example.org')],
    };
    expect(await findOrders(s, 'jane@example.net', 'Where is my parcel?')).toEqual({
      lookup: 'no_reference',
      orders: [],
      unmatchedNumbers: [],
    });
  });

  it('asks the store for the sender’s address only', async () => {
    const { s, asked } = source([janes, bobs]);
    expect(await findOrders(s, 'jane@example.net', 'Where is my parcel?')).toEqual({
      lookup: 'recent',
      orders: [janes],
      unmatchedNumbers: [],
    });
    expect(asked).toEqual(['email:jane@example.net']);
  });
});

describe('findOrders with the sender’s recent orders read ahead', () => {
  const older = sampleOrder({ number: '1001', email: 'jane@example.net' });

  it('a named order among them needs no call; one not among them is looked up', async () => {
    const { s, asked } = source([janes, older, bobs]);
    expect(await findOrders(s, 'jane@example.net', 'order #1042?', '', [janes])).toEqual(matched(janes));
    expect(asked).toEqual([]);
    expect(await findOrders(s, 'jane@example.net', 'orders #1042 and #1001?', '', [janes])).toEqual(
      matched(janes, older),
    );
    expect(asked).toEqual(['number:1001']);
  });

  it('with no number named they are the answer, without a call', async () => {
    const { s, asked } = source([janes]);
    expect(await findOrders(s, 'jane@example.net', 'where is my parcel?', '', [janes])).toEqual({
      lookup: 'recent',
      orders: [janes],
      unmatchedNumbers: [],
    });
    expect(await findOrders(s, 'jane@example.net', 'where is my parcel?', '', [])).toMatchObject({
      lookup: 'no_reference',
    });
    expect(asked).toEqual([]);
  });

  it('an order among them that is not the sender’s is never used, named or not', async () => {
    const { s, asked } = source([janes, bobs]);
    expect(await findOrders(s, 'jane@example.net', 'order #2001?', '', [bobs])).toEqual({
      lookup: 'email_mismatch',
      orders: [],
      unmatchedNumbers: ['2001'],
    });
    expect(asked).toEqual(['number:2001']);
    expect(await findOrders(s, 'jane@example.net', 'hello?', '', [bobs])).toMatchObject({
      lookup: 'no_reference',
      orders: [],
    });
  });
});

describe('the recent orders are read while the mail downloads', () => {
  /** Records the store calls; `refuseRecent` makes the email search fail as a store refusing it would. */
  const storeCalls = (p: PipelineRuntime, o: { refuseRecent?: boolean } = {}) => {
    const calls: string[] = [];
    const open = p.rt.services.openOrderSource;
    p.rt.services.openOrderSource = (...args) => {
      const orders = open(...args);
      return {
        findByNumber: (n) => (calls.push('findByNumber'), orders.findByNumber(n)),
        recentByEmail: async (e, limit) => {
          calls.push(`recentByEmail:${limit}`);
          if (o.refuseRecent) throw new StoreApiError(403, 'forbidden');
          return orders.recentByEmail(e, limit);
        },
      };
    };
    return calls;
  };

  it('one store call, the read-ahead, for a drafted email naming a recent order', async () => {
    const p = await pipelineForTest('shopify', [sampleOrder({ number: '1042', email: 'jane@example.net' })]);
    const calls = storeCalls(p);
    p.deliver(
      customerMail({
        from: 'Jane <jane@example.net>',
        subject: 'Order #1042',
        body: 'Where is order #1042?',
        messageId: '<ahead1@example.net>',
      }),
    );
    expect(await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined })).toMatchObject({
      drafted: 1,
    });
    expect(calls).toEqual([`recentByEmail:${MAX_RECENT_ORDERS}`]);
    expect((await p.rt.drafts())[0]!.text).toContain('1042');
  });

  it('a read-ahead the store refuses is counted, and a named order is still looked up and drafted', async () => {
    const p = await pipelineForTest('shopify', [sampleOrder({ number: '1042', email: 'jane@example.net' })]);
    const calls = storeCalls(p, { refuseRecent: true });
    p.deliver(
      customerMail({
        from: 'Jane <jane@example.net>',
        subject: 'Order #1042',
        body: 'Where is order #1042?',
        messageId: '<ahead3@example.net>',
      }),
    );
    expect(await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined })).toMatchObject({
      drafted: 1,
    });
    expect(calls).toEqual([`recentByEmail:${MAX_RECENT_ORDERS}`, 'findByNumber']);
    expect(await p.counters()).toMatchObject({ drafted: 1, 'error:store_failed': 1 });
  });

  it('an opted-out sender’s orders are never read', async () => {
    const p = await pipelineForTest('shopify', [sampleOrder({ number: '1042', email: 'jane@example.net' })]);
    const calls = storeCalls(p);
    await p.rt.services.db.insert(optOuts).values({
      accountId: p.accountId,
      addressHash: await hashAddress(p.rt.services.config.secrets.hashKey, 'jane@example.net'),
      createdAt: Date.now(),
    });
    p.deliver(
      customerMail({
        from: 'Jane <jane@example.net>',
        subject: 'Order #1042',
        body: 'Where is it?',
        messageId: '<ahead2@example.net>',
      }),
    );
    await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });
    expect(await p.counters()).toMatchObject({ 'skipped:opted_out': 1 });
    expect(calls).toEqual([]);
  });
});

describe('a named order older than Shopify’s 60-day window (no read_all_orders)', () => {
  let p: PipelineRuntime;

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
      tracking: [
        { company: 'CanaryPost', number: 'CANARY-TRACK-2077', url: 'https://track.example/CANARY-TRACK-2077' },
      ],
      items: [{ title: 'Canary kettle', quantity: 1 }],
      shippingCity: 'Canaryville',
    });
    p = await pipelineForTest('shopify', [old, recent]);
    const inputs = recordReplyInputs(p.rt.services);

    p.deliver(
      customerMail({
        from: 'Jane Doe <jane@example.net>',
        subject: 'My order #1042',
        body: 'Hello, where is my order #1042?',
        messageId: '<old1@example.net>',
      }),
    );
    await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });

    expect(inputs).toHaveLength(1);
    expect(inputs[0]!.orderLookup).toBe('not_found');
    expect(inputs[0]!.orders).toEqual([]);
    expect(inputs[0]!.unmatchedNumbers).toEqual(['1042']);
    const prompt = buildUserMessage(inputs[0]!);
    for (const canary of ['2077', 'CANARY-TRACK-2077', 'Canary kettle', 'Canaryville', 'CanaryPost'])
      expect(prompt).not.toContain(canary);

    const [draft] = await p.rt.drafts();
    expect(draft?.text).toMatch(/check your order number/i);
    for (const canary of ['2077', 'CANARY-TRACK-2077', 'Canary kettle', 'Canaryville'])
      expect(draft!.text).not.toContain(canary);
    expect(await p.counters()).toMatchObject({ drafted: 1 });
  });
});

describe('several orders named in one mail, one of them someone else’s', () => {
  let p: PipelineRuntime;

  it('passes on the sender’s orders only, lists the other number as unmatched, and leaks nothing of it', async () => {
    const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
    const j1040 = sampleOrder({ number: '1040', email: 'jane@example.net', createdAt: daysAgo(9) });
    const j1041 = sampleOrder({
      number: '1041',
      email: 'jane@example.net',
      createdAt: daysAgo(4),
      fulfillmentStatus: 'unfulfilled',
      tracking: [],
    });
    const bobs2001 = sampleOrder({
      number: '2001',
      email: 'bob@example.org',
      createdAt: daysAgo(2),
      tracking: [
        { company: 'CanaryPost', number: 'CANARY-TRACK-2001', url: 'https://track.example/CANARY-TRACK-2001' },
      ],
      items: [{ title: 'Canary kettle', quantity: 1 }],
      shippingCity: 'Canaryville',
    });
    p = await pipelineForTest('shopify', [j1040, j1041, bobs2001]);
    const inputs = recordReplyInputs(p.rt.services);

    p.deliver(
      customerMail({
        from: 'Jane Doe <jane@example.net>',
        subject: 'My orders',
        body: 'I placed #1040 and #1041, and what about #2001? #1041 never turned up',
        messageId: '<multi1@example.net>',
      }),
    );
    await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });

    expect(inputs).toHaveLength(1);
    expect(inputs[0]!.orderLookup).toBe('matched');
    expect(inputs[0]!.orders.map((o) => o.order.number)).toEqual(['1040', '1041']);
    expect(inputs[0]!.unmatchedNumbers).toEqual(['2001']);
    const prompt = buildUserMessage(inputs[0]!);
    for (const canary of ['CANARY-TRACK-2001', 'Canary kettle', 'Canaryville', 'CanaryPost', 'bob@example.org'])
      expect(prompt).not.toContain(canary);
    const [draft] = await p.rt.drafts();
    for (const canary of ['CANARY-TRACK-2001', 'Canary kettle', 'Canaryville'])
      expect(draft!.text).not.toContain(canary);
  });
});

describe('the shop’s policies and the computed facts reach the model', () => {
  let p: PipelineRuntime;

  it('sends the policy texts that matter for the question, the return window, the order’s facts and today', async () => {
    // Not shipped yet (the sandbox's orders carry no shipments until its reset learns them).
    const delivered = sampleOrder({
      number: '1042',
      email: 'jane@example.net',
      fulfillmentStatus: 'unfulfilled',
      tracking: [],
    });
    p = await pipelineForTest('shopify', [delivered]);
    await p.rt.services.db
      .update(accounts)
      .set({
        returnWindowDays: 45,
        policyReturns: 'Returns: https://shop.example/returns',
        policyFaq: 'FAQ text',
        stalledAfterDays: 5,
      })
      .where(eq(accounts.id, p.accountId));
    const inputs = recordReplyInputs(p.rt.services);

    p.deliver(
      customerMail({
        from: 'Jane Doe <jane@example.net>',
        subject: 'Order #1042',
        body: 'Can I still send the mug back for a refund?',
        messageId: '<ret1@example.net>',
      }),
    );
    await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });

    expect(inputs).toHaveLength(1);
    const today = new Date().toISOString().slice(0, 10);
    expect(inputs[0]!.today).toBe(today);
    // A return question: the returns text and the window, not the FAQ.
    expect(inputs[0]!.policies).toEqual({ returnWindowDays: 45, returns: 'Returns: https://shop.example/returns' });
    expect(inputs[0]!.orders[0]!.facts).toEqual({
      daysSinceShipped: null,
      stalled: false,
      lastReturnDay: null,
      returnWindowOpen: null,
      canChangeAddress: true,
      canCancel: true,
    });
  });
});
