import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getStoreConnection } from '../../src/db/accounts';
import { runCron } from '../../src/runtime/cron';
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
    expect(await runCron(rt.services)).toEqual({ sync: 'ok', woocommerce_webhooks: 'ok', compliance: 'ok', store_nonces: 'ok' });
    expect(rt.sandbox!.fakes.woocommerce.webhooks(consumerKey)[0]!.status).toBe('active');
    expect((await getStoreConnection(rt.services.db, accountId))!.webhookStatus).toBe('restored');
  });

  it('runs every step even when one fails, and logs the failure by class only', async () => {
    const ran: string[] = [];
    const report = await runCron(rt.services, {
      first: async () => {
        throw new TypeError('secret customer words');
      },
      second: async () => void ran.push('second'),
    });
    expect(report).toEqual({ first: 'failed', second: 'ok' });
    expect(ran).toEqual(['second']);
    const line = rt.logs.find((l) => l.includes('cron.step_failed'))!;
    expect(line).toContain('TypeError');
    expect(line).not.toContain('secret customer words');
  });
});
