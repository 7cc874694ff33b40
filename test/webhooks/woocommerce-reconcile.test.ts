import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { connectStore, createAccount } from '../../src/accounts/connect';
import { getStoreConnection } from '../../src/db/accounts';
import { storeConnections } from '../../src/db/schema';
import { reconcileWooWebhooks } from '../../src/pipeline/woo-store-repair';
import { addOptOut, optOutHashes, wooConnection, wooStoreUrl } from '../support/compliance';
import { APP_URL, sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/**
 * WooCommerce disables a webhook after more than five failed deliveries in a row and never says so.
 * reconcileWooWebhooks (cron) finds that and repairs it; these tests drive the fake into each state.
 */
describe('WooCommerce webhooks: reconcile', () => {
  let rt: TestRuntime;
  let accountId: string;
  const woo = () => rt.sandbox!.fakes.woocommerce;
  beforeEach(async () => {
    rt = await runtimeForTest();
    ({ accountId } = await rt.reset('woocommerce', [sampleOrder()]));
  });

  it('leaves healthy webhooks alone and stamps the check', async () => {
    const { consumerKey } = await wooConnection(rt, accountId);
    const before = woo().webhooks(consumerKey);
    await new Promise((r) => setTimeout(r, 5));
    const checkedBefore = (await getStoreConnection(rt.services.db, accountId))!.webhookCheckedAt!;
    expect(await reconcileWooWebhooks(rt.services)).toEqual({ checked: 1, active: 1, restored: 0, failing: 0 });
    expect(woo().webhooks(consumerKey)).toEqual(before);
    const after = (await getStoreConnection(rt.services.db, accountId))!;
    expect(after.webhookStatus).toBe('active');
    expect(after.webhookCheckedAt!).toBeGreaterThan(checkedBefore);
  });

  it('a webhook WooCommerce disabled after failed deliveries is turned back on, and deliveries work again', async () => {
    const { consumerKey } = await wooConnection(rt, accountId);
    const [hook] = woo().webhooks(consumerKey);
    // Our endpoint refuses deliveries (here: the store signs with a secret we do not know).
    await rt.services.db
      .update(storeConnections)
      .set({ sealedWebhookSecret: null })
      .where(eq(storeConnections.accountId, accountId));
    for (let i = 0; i < 7; i++) await woo().trigger(consumerKey, 'customer.deleted', { id: i });
    expect(woo().webhooks(consumerKey)[0]!.status).toBe('disabled');
    expect(
      woo()
        .deliveries()
        .filter((d) => d.kind === 'delivery')
        .map((d) => d.status),
    ).toEqual(Array(7).fill(401));
    // Disabled means silent: nothing reaches us any more.
    expect(await woo().trigger(consumerKey, 'customer.deleted', { id: 99 })).toEqual([]);

    expect(await reconcileWooWebhooks(rt.services)).toMatchObject({ restored: 1, failing: 0 });
    const [restored] = woo().webhooks(consumerKey);
    expect(restored).toMatchObject({ id: hook!.id, status: 'active', delivery_url: `${APP_URL}/webhooks/woocommerce` });
    const row = (await getStoreConnection(rt.services.db, accountId))!;
    expect(row.webhookStatus).toBe('restored');
    // Reconcile re-keyed the webhook with a fresh secret of ours, so deliveries verify again.
    await addOptOut(rt, accountId, 'jane@example.net');
    expect(await woo().trigger(consumerKey, 'customer.deleted', { id: 5, email: 'jane@example.net' })).toEqual([200]);
    expect(await optOutHashes(rt, accountId)).toEqual([]);

    // The next check finds everything healthy again.
    await reconcileWooWebhooks(rt.services);
    expect((await getStoreConnection(rt.services.db, accountId))!.webhookStatus).toBe('active');
  });

  it('an active webhook signing with a secret we no longer hold is given a new one', async () => {
    const { consumerKey } = await wooConnection(rt, accountId);
    await rt.services.db
      .update(storeConnections)
      .set({ sealedWebhookSecret: null })
      .where(eq(storeConnections.accountId, accountId));
    expect(await woo().trigger(consumerKey, 'customer.deleted', { id: 1 })).toEqual([401]);
    expect(await reconcileWooWebhooks(rt.services)).toMatchObject({ restored: 1 });
    const { webhookSecret } = await wooConnection(rt, accountId);
    expect(woo().webhooks(consumerKey)[0]!.secret).toBe(webhookSecret);
    expect(await woo().trigger(consumerKey, 'customer.deleted', { id: 1 })).toEqual([200]);
  });

  it('a webhook marked disabled in the store is re-enabled with PUT status=active', async () => {
    const { consumerKey } = await wooConnection(rt, accountId);
    const [hook] = woo().webhooks(consumerKey);
    woo().setWebhookStatus(hook!.id, 'disabled');
    expect(await reconcileWooWebhooks(rt.services)).toMatchObject({ restored: 1 });
    expect(woo().webhooks(consumerKey)[0]).toMatchObject({ id: hook!.id, status: 'active' });
  });

  it('a webhook deleted in the store is recreated under a new id', async () => {
    const { consumerKey, webhookSecret } = await wooConnection(rt, accountId);
    const [hook] = woo().webhooks(consumerKey);
    woo().deleteWebhook(hook!.id);
    expect(await reconcileWooWebhooks(rt.services)).toMatchObject({ restored: 1, failing: 0 });
    const hooks = woo().webhooks(consumerKey);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ topic: 'customer.deleted', status: 'active', secret: webhookSecret });
    expect(hooks[0]!.id).not.toBe(hook!.id);
    const row = (await getStoreConnection(rt.services.db, accountId))!;
    expect(row).toMatchObject({ webhookIds: JSON.stringify([hooks[0]!.id]), webhookStatus: 'restored' });
  });

  it('a webhook the merchant paused is left paused and reported failing', async () => {
    const { consumerKey } = await wooConnection(rt, accountId);
    const [hook] = woo().webhooks(consumerKey);
    woo().setWebhookStatus(hook!.id, 'paused');
    expect(await reconcileWooWebhooks(rt.services)).toMatchObject({ failing: 1 });
    expect(woo().webhooks(consumerKey)[0]!.status).toBe('paused');
    expect((await getStoreConnection(rt.services.db, accountId))!.webhookStatus).toBe('failing');
  });

  it('an unreachable store is reported failing and keeps its webhook ids for the next try', async () => {
    const { connection } = await wooConnection(rt, accountId);
    woo().failNext({ status: 503, count: 5 });
    expect(await reconcileWooWebhooks(rt.services)).toMatchObject({ failing: 1 });
    const row = (await getStoreConnection(rt.services.db, accountId))!;
    expect(row).toMatchObject({ webhookStatus: 'failing', webhookIds: connection.webhookIds });
  });

  it('a read-only API key cannot register webhooks: the connection stands, marked failing', async () => {
    const other = await createAccount(rt.services);
    woo().addStore('ck_readonly', 'cs_readonly', [], { permissions: 'read' });
    await connectStore(rt.services, {
      accountId: other,
      storeDomain: wooStoreUrl(rt),
      credentials: { kind: 'woocommerce', consumerKey: 'ck_readonly', consumerSecret: 'cs_readonly' },
      scopes: 'read',
    });
    const row = (await getStoreConnection(rt.services.db, other))!;
    expect(row).toMatchObject({ status: 'active', webhookStatus: 'failing', webhookIds: '[]' });
    expect(woo().webhooks('ck_readonly')).toEqual([]);
    expect(rt.logs.some((l) => l.includes('woo_webhooks.register_failed') && l.includes('WooWebhookError:401'))).toBe(
      true,
    );
    expect((await reconcileWooWebhooks(rt.services)).failing).toBe(1);
  });

  it('checks only active WooCommerce connections', async () => {
    await rt.services.db
      .update(storeConnections)
      .set({ status: 'reconnect_needed' })
      .where(eq(storeConnections.accountId, accountId));
    expect(await reconcileWooWebhooks(rt.services)).toEqual({ checked: 0, active: 0, restored: 0, failing: 0 });
  });
});
