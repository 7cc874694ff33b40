import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { wooReturnNotice } from '../../src/accounts/connect-store';
import { createAccount } from '../../src/accounts/connect';
import { getStoreConnection } from '../../src/db/accounts';
import { storeConnections } from '../../src/db/schema';
import type { FetchLike } from '../../src/platform/fetch';
import { createStoreNonce } from '../../src/accounts/store-nonces';
import { WOO_SETUP_CLAIM_MS } from '../../src/accounts/woo-webhook-registration';
import { reconcileWooWebhooks } from '../../src/pipeline/woo-store-repair';
import { wooConnection } from '../support/compliance';
import { APP_URL, sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/**
 * WooCommerce's key delivery (WC_Auth::create_keys → post_consumer_data): the store POSTs the keys
 * to callback_url and waits for the answer, holding the PHP worker that serves the merchant
 * (PROVIDERS.md: blocking, about 60 s; a non-200 answer makes WooCommerce delete the keys). The
 * fake store below has one worker: a request to it while the callback is in flight waits for the
 * callback to be answered, and gives up with 503 after a while, as a saturated PHP-FPM pool does.
 */
const STORE = `${APP_URL}/sandbox/woocommerce`;
const CK = `ck_${'a'.repeat(40)}`;
const CS = `cs_${'b'.repeat(40)}`;

function singleWorkerStore() {
  const events: string[] = [];
  let busy: Promise<void> | null = null;
  let release = () => {};
  const wrap =
    (inner: FetchLike): FetchLike =>
    async (input, init) => {
      // Read the URL and method without touching the body (a Request built from init would consume it).
      const url = input instanceof Request ? input.url : String(input);
      const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
      if (!url.startsWith(`${STORE}/wp-json/`)) return inner(input, init);
      const path = new URL(url).pathname.replace('/sandbox/woocommerce/wp-json/wc/v3/', '');
      if (busy) {
        events.push(`store ${method} ${path} (while the callback waits)`);
        const served = await Promise.race([
          busy.then(() => true),
          new Promise((r) => setTimeout(() => r(false), 1500)),
        ]);
        if (!served) return new Response('Service Unavailable', { status: 503 });
      } else {
        events.push(`store ${method} ${path}`);
      }
      return inner(input, init);
    };
  return {
    events,
    wrap,
    /** WooCommerce posting the keys: the worker is held until our answer. */
    async deliverKeys(rt: TestRuntime, body: unknown) {
      busy = new Promise((r) => (release = r));
      const res = await rt.request('/connect/woocommerce/callback', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      events.push(`callback answered ${res.status}`);
      busy = null;
      release();
      return res;
    },
  };
}

describe('wc-auth key delivery: answered before any request back to the store', () => {
  let rt: TestRuntime;

  async function setUp(store = singleWorkerStore(), keys: { permissions?: 'read' | 'read_write' } = {}) {
    rt = await runtimeForTest({}, { wrapFetch: store.wrap });
    const accountId = await createAccount(rt.services);
    const nonce = await createStoreNonce(rt.services, accountId, STORE);
    rt.sandbox!.fakes.woocommerce.addStore(CK, CS, [sampleOrder()]);
    const body = {
      key_id: 7,
      user_id: nonce,
      consumer_key: CK,
      consumer_secret: CS,
      key_permissions: keys.permissions ?? 'read_write',
    };
    return { store, accountId, nonce, body };
  }

  it('answers 200 at once, and checks the keys and registers the webhook only afterwards', async () => {
    const { store, accountId, nonce, body } = await setUp();
    const res = await store.deliverKeys(rt, body);
    expect(res.status).toBe(200);
    expect(store.events).toEqual(['callback answered 200']);
    // Stored (sealed), setup not finished yet: the status page says so.
    const staged = (await getStoreConnection(rt.services.db, accountId))!;
    expect(staged).toMatchObject({ kind: 'woocommerce', storeDomain: STORE, status: 'active', webhookStatus: null });
    expect(staged.sealedCredentials).not.toContain(CS);

    // The merchant's browser comes back from the authorize screen: now the store is free.
    expect(await wooReturnNotice(rt.services, accountId, '1', nonce)).toBe('store_connected');
    expect(store.events[0]).toBe('callback answered 200');
    expect(store.events.slice(1)).toEqual(['store GET orders', 'store POST webhooks']);
    expect(store.events.some((e) => e.includes('while the callback waits'))).toBe(false);
    const done = (await wooConnection(rt, accountId)).connection;
    expect(done.webhookStatus).toBe('active');
    expect(rt.sandbox!.fakes.woocommerce.webhooks(CK)).toHaveLength(1);
    expect(rt.sandbox!.fakes.woocommerce.deliveries()).toContainEqual(
      expect.objectContaining({ kind: 'ping', status: 200 }),
    );
  });

  it('a replayed delivery is refused; malformed ones are 400, with no store request either way', async () => {
    const { store, body } = await setUp();
    expect((await store.deliverKeys(rt, body)).status).toBe(200);
    expect((await store.deliverKeys(rt, body)).status).toBe(403);
    expect((await store.deliverKeys(rt, { hello: 'world' })).status).toBe(400);
    expect(store.events).toEqual(['callback answered 200', 'callback answered 403', 'callback answered 400']);
  });

  it('keys the store then refuses: the connection is marked for reconnecting and the merchant told', async () => {
    const { store, accountId, nonce, body } = await setUp();
    // Keys the store does not know (revoked in between, or another site's): 401 on the first read.
    expect((await store.deliverKeys(rt, { ...body, consumer_key: `ck_${'e'.repeat(40)}` })).status).toBe(200);
    expect(await wooReturnNotice(rt.services, accountId, '1', nonce)).toBe('store_keys_rejected');
    expect((await getStoreConnection(rt.services.db, accountId))!.status).toBe('reconnect_needed');
    expect(rt.sandbox!.fakes.woocommerce.webhooks(CK)).toEqual([]);
  });

  it('a store that cannot be reached on return is finished later by the cron', async () => {
    const { store, accountId, nonce, body } = await setUp();
    expect((await store.deliverKeys(rt, body)).status).toBe(200);
    rt.sandbox!.fakes.woocommerce.failNext({ status: 503 });
    expect(await wooReturnNotice(rt.services, accountId, '1', nonce)).toBe('store_setup_pending');
    expect((await getStoreConnection(rt.services.db, accountId))!).toMatchObject({
      status: 'active',
      webhookStatus: null,
    });
    // Within the claim, a second run keeps off; once it lapses, the cron takes over.
    expect(await reconcileWooWebhooks(rt.services)).toMatchObject({ checked: 1, failing: 1 });
    await rt.services.db
      .update(storeConnections)
      .set({ webhookCheckedAt: Date.now() - WOO_SETUP_CLAIM_MS - 1 })
      .where(eq(storeConnections.accountId, accountId));
    expect(await reconcileWooWebhooks(rt.services)).toEqual({ checked: 1, active: 1, restored: 0, failing: 0 });
    expect((await getStoreConnection(rt.services.db, accountId))!.webhookStatus).toBe('active');
    expect(rt.sandbox!.fakes.woocommerce.webhooks(CK)).toHaveLength(1);
  });

  it('a merchant who never comes back: the cron finishes the setup', async () => {
    const { store, accountId, body } = await setUp();
    expect((await store.deliverKeys(rt, body)).status).toBe(200);
    expect(await reconcileWooWebhooks(rt.services)).toEqual({ checked: 1, active: 1, restored: 0, failing: 0 });
    expect((await getStoreConnection(rt.services.db, accountId))!.webhookStatus).toBe('active');
    // Done once: the next cron run checks the webhook like any other.
    expect(await reconcileWooWebhooks(rt.services)).toEqual({ checked: 1, active: 1, restored: 0, failing: 0 });
    expect(rt.sandbox!.fakes.woocommerce.webhooks(CK)).toHaveLength(1);
  });

  it('connecting again through the authorize screen removes the replaced connection’s webhooks, after the answer', async () => {
    const { store, accountId, body } = await setUp();
    await store.deliverKeys(rt, body);
    await reconcileWooWebhooks(rt.services);
    expect(rt.sandbox!.fakes.woocommerce.webhooks(CK)).toHaveLength(1);
    const CK2 = `ck_${'d'.repeat(40)}`;
    rt.sandbox!.fakes.woocommerce.addStore(CK2, CS, [sampleOrder()]);
    const nonce2 = await createStoreNonce(rt.services, accountId, STORE);
    const events = store.events.length;
    expect((await store.deliverKeys(rt, { ...body, user_id: nonce2, consumer_key: CK2 })).status).toBe(200);
    expect(store.events[events]).toBe('callback answered 200');
    expect(await wooReturnNotice(rt.services, accountId, '1', nonce2)).toBe('store_connected');
    // Removed by the work deferred past the answer: give it its turn.
    for (let i = 0; i < 50 && rt.sandbox!.fakes.woocommerce.webhooks(CK).length; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(rt.sandbox!.fakes.woocommerce.webhooks(CK)).toEqual([]);
    expect(rt.sandbox!.fakes.woocommerce.webhooks(CK2)).toHaveLength(1);
    expect(store.events.some((e) => e.includes('while the callback waits'))).toBe(false);
  });
});
