import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getStoreConnection } from '../../src/db/accounts';
import { runScheduled } from '../../src/pipeline/schedule';
import { createStoreNonce } from '../../src/stores/woocommerce-connect';
import { wooConnection } from '../compliance/support';
import { sampleOrder, startTestRuntime, type TestRuntime } from '../support/runtime';

/** The cron as the Worker's scheduled handler and the Node timer run it. */
describe('cron', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await startTestRuntime();
  });
  afterEach(() => rt.close());

  it('restores a WooCommerce webhook the store disabled', async () => {
    const { accountId } = await rt.reset('woocommerce', [sampleOrder()]);
    const { consumerKey } = await wooConnection(rt, accountId);
    const [hook] = rt.sandbox!.fakes.woocommerce.webhooks(consumerKey);
    rt.sandbox!.fakes.woocommerce.setWebhookStatus(hook!.id, 'disabled');
    expect((await runScheduled(rt.services)).failedSteps).toEqual([]);
    expect(rt.sandbox!.fakes.woocommerce.webhooks(consumerKey)[0]!.status).toBe('active');
    expect((await getStoreConnection(rt.services.db, accountId))!.webhookStatus).toBe('restored');
  });

  it('deletes WooCommerce connection nonces past their 15 minutes', async () => {
    const { accountId } = await rt.reset('woocommerce', [sampleOrder()]);
    await createStoreNonce(rt.services, accountId, 'https://shop.example.com');
    const { storeAuthNonces } = await import('../../src/db/schema');
    await rt.services.db.update(storeAuthNonces).set({ expiresAt: Date.now() - 1 });
    await createStoreNonce(rt.services, accountId, 'https://shop.example.com');
    await runScheduled(rt.services);
    expect(await rt.services.db.query.storeAuthNonces.findMany()).toHaveLength(1);
  });
});
