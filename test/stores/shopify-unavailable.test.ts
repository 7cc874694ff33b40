import { describe, expect, it } from 'vitest';
import { getStoreConnection } from '../../src/db/accounts';
import { syncAccount } from '../../src/pipeline/sync';
import { SANDBOX_SHOP as SHOP } from '../../src/sandbox';
import { shopifyHttpError } from '../../src/stores/shopify';
import { pipelineForTest, question } from '../support/pipeline';
import { signIn } from '../support/sign-in';

/**
 * A shop Shopify took out of service: 402 "Unavailable Shop" while it is frozen (an unpaid bill),
 * 423 while it is locked, and the same words under 403 from GraphQL
 * (https://shopify.dev/docs/api/usage/response-codes; the fake cites the threads for the bodies).
 * No retry fixes it: each email is skipped as store_suspended, the dashboard says what to do, and
 * drafting resumes by itself once the shop is back.
 */
const sync = (p: Awaited<ReturnType<typeof pipelineForTest>>) =>
  syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });

describe.each([402, 423, 403] as const)('Shopify answers %i "Unavailable Shop"', (status) => {
  it('skips the email as store_suspended after one lookup, leaves the connection as it is, and says so on the dashboard', async () => {
    const p = await pipelineForTest('shopify');
    const shopify = p.rt.sandbox!.fakes.shopify;
    shopify.setUnavailable(SHOP, status);
    const before = shopify.calls(SHOP);
    p.deliver(question(1, { body: 'Hello, where is my order #1042?' }));
    await sync(p);

    expect(await p.counters()).toMatchObject({ seen: 1, 'skipped:store_suspended': 1 });
    expect(await p.rt.drafts()).toHaveLength(0);
    // Not retried: the number lookup and the sender's orders asked once each at most.
    expect(shopify.calls(SHOP) - before).toBeLessThanOrEqual(2);
    expect((await getStoreConnection(p.rt.services.db, p.accountId))!.status).toBe('active');

    const { app } = await signIn(p.rt);
    expect(app.html).toContain('Shopify says your store is unavailable');
    expect(app.html).toContain('Since yesterday 1 customer email got no draft because Shopify answered');

    shopify.setUnavailable(SHOP, null);
    p.deliver(question(2, { body: 'Hello again, where is my order #1042?' }));
    await sync(p);
    expect(await p.rt.drafts()).toHaveLength(1);
  });
});

describe('other Shopify refusals', () => {
  it('a 403 without those words is a refusal, not a suspended shop', async () => {
    const forbidden = new Response(JSON.stringify({ errors: '[API] This action requires merchant approval' }), {
      status: 403,
    });
    expect((await shopifyHttpError(403, forbidden)).code).toBe('forbidden');
    const unavailable = new Response(JSON.stringify({ errors: 'Unavailable Shop' }), { status: 403 });
    expect((await shopifyHttpError(403, unavailable)).code).toBe('shop_unavailable');
  });

  it('430 "Shopify Security Rejection" comes in short bursts: retried, then drafted', async () => {
    const p = await pipelineForTest('shopify');
    p.rt.sandbox!.fakes.shopify.failNext({ status: 430 });
    p.deliver(question(1, { body: 'Hello, where is my order #1042?' }));
    await sync(p);
    expect(await p.rt.drafts()).toHaveLength(1);
    expect(await p.counters()).toMatchObject({ drafted: 1 });
  });
});
