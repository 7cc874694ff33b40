import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getStoreConnection } from '../../src/db/accounts';
import { storeConnections } from '../../src/db/schema';
import { sealedAs } from '../../src/db/sealed';
import { syncAccount } from '../../src/pipeline/sync';
import { SANDBOX_SHOP as SHOP } from '../../src/sandbox';
import { shopifyHttpError } from '../../src/stores/shopify-errors';
import type { ShopifyCredentials } from '../../src/stores/shopify-install';
import { type PipelineRuntime, pipelineForTest, question, sampleOrder } from '../support/pipeline';
import { signIn } from '../support/sign-in';

/**
 * A shop Shopify took out of service: 402 "Unavailable Shop" while it is frozen (an unpaid bill),
 * 423 while it is locked, and the same words under 403 from GraphQL
 * (https://shopify.dev/docs/api/usage/response-codes; the fake cites the threads for the bodies).
 * No retry fixes it: each email is skipped as store_suspended, the store is marked so the dashboard
 * says what to do, and the next full answer puts it back to active.
 */
const sync = (p: PipelineRuntime) => syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });
const storeStatus = async (p: PipelineRuntime) => (await getStoreConnection(p.rt.services.db, p.accountId))!.status;

async function storeCredentials(p: PipelineRuntime, credentials: ShopifyCredentials) {
  const row = (await getStoreConnection(p.rt.services.db, p.accountId))!;
  const sealed = await p.rt.services.sealer.seal(JSON.stringify(credentials), sealedAs.storeCredentials(row.id));
  await p.rt.services.db
    .update(storeConnections)
    .set({ sealedCredentials: sealed })
    .where(eq(storeConnections.id, row.id));
}

describe.each([402, 423, 403] as const)('Shopify answers %i "Unavailable Shop"', (status) => {
  it('skips the email as store_suspended after one lookup, marks the store, says so on the dashboard, and recovers', async () => {
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
    expect(await storeStatus(p)).toBe('shop_unavailable');
    expect(p.rt.logs.filter((l) => l.includes('"event":"store.shop_unavailable"'))).toHaveLength(1);

    const { app, browser } = await signIn(p.rt);
    expect(app.html).toContain('Shopify says your store is unavailable');
    expect(app.html).toContain('Drafting resumes once Shopify makes your store available again.');

    shopify.setUnavailable(SHOP, null);
    p.deliver(question(2, { body: 'Hello again, where is my order #1042?' }));
    await sync(p);
    expect(await p.rt.drafts()).toHaveLength(1);
    expect(await storeStatus(p)).toBe('active');
    const after = await browser.get('/app');
    expect(after.html).not.toContain('Shopify says your store is unavailable');
    expect(after.html).toContain('Draftline is writing reply drafts for new customer emails.');
  });
});

describe('a shop out of service while its access token is due for renewal', () => {
  it('is a suspended shop, not a refused grant: nothing to reconnect', async () => {
    const p = await pipelineForTest('shopify');
    const shopify = p.rt.sandbox!.fakes.shopify;
    shopify.addShop(SHOP, null, [sampleOrder()]);
    const pair = shopify.issueTokens(SHOP);
    await storeCredentials(p, {
      kind: 'shopify',
      accessToken: pair.access_token,
      refreshToken: pair.refresh_token!,
      expiresAt: Date.now() - 1000,
      refreshTokenExpiresAt: Date.now() + 86_400_000,
    });
    shopify.setUnavailable(SHOP, 403);
    p.deliver(question(1));
    await sync(p);
    expect(shopify.tokenRequests(SHOP)).toEqual(['refresh_token']);
    expect(await p.counters()).toMatchObject({ 'skipped:store_suspended': 1 });
    expect(await storeStatus(p)).toBe('shop_unavailable');

    shopify.setUnavailable(SHOP, null);
    p.deliver(question(2));
    await sync(p);
    expect(await p.counters()).toMatchObject({ drafted: 1 });
    expect(await storeStatus(p)).toBe('active');
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
