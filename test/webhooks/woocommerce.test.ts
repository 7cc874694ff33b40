import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectStore } from '../../src/accounts/connect';
import { listComplianceRequests } from '../../src/compliance/records';
import { getStoreConnection } from '../../src/db/accounts';
import { removeWooWebhooks } from '../../src/stores/woocommerce-webhooks';
import { addOptOut, allComplianceRows, deliverWoo, optOutHashes, wooConnection, wooStoreUrl } from '../compliance/support';
import { APP_URL, sampleOrder, startTestRuntime, type TestRuntime } from '../support/runtime';

/** WooCommerce webhooks, happy paths: registration on connect, the ping, customer.deleted, removal. */
describe('WooCommerce webhooks', () => {
  let rt: TestRuntime;
  let accountId: string;
  const woo = () => rt.sandbox!.fakes.woocommerce;
  beforeEach(async () => {
    rt = await startTestRuntime();
    ({ accountId } = await rt.reset('woocommerce', [sampleOrder()]));
  });
  afterEach(() => rt.close());

  describe('registration on connect', () => {
    it('registers customer.deleted at APP_URL/webhooks/woocommerce with a per-store secret kept sealed', async () => {
      const { connection, consumerKey, webhookSecret } = await wooConnection(rt, accountId);
      const hooks = woo().webhooks(consumerKey);
      expect(hooks).toHaveLength(1);
      expect(hooks[0]).toMatchObject({ topic: 'customer.deleted', status: 'active', delivery_url: `${APP_URL}/webhooks/woocommerce` });
      expect(webhookSecret).toBe(hooks[0]!.secret);
      expect(webhookSecret!.length).toBeGreaterThanOrEqual(40);
      expect(connection.sealedWebhookSecret).not.toContain(webhookSecret!);
      expect(connection).toMatchObject({ webhookIds: JSON.stringify([hooks[0]!.id]), webhookStatus: 'active' });
      expect(connection.webhookCheckedAt).not.toBeNull();
    });

    it('answers WooCommerce’s creation ping with 200, so the store shows the webhook as working', async () => {
      const { consumerKey } = await wooConnection(rt, accountId);
      const [hook] = woo().webhooks(consumerKey);
      expect(woo().deliveries()).toContainEqual({ webhookId: hook!.id, status: 200, kind: 'ping' });
      expect(hook!.pending_delivery).toBe(false);
    });

    it('answers a ping sent on its own (form body webhook_id=N, unsigned) with 200 and records nothing', async () => {
      const res = await rt.request('/webhooks/woocommerce', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'webhook_id=123',
      });
      expect(res.status).toBe(200);
      expect(await allComplianceRows(rt)).toEqual([]);
    });

    it('connecting again replaces the store’s webhooks instead of piling them up', async () => {
      const { consumerKey, consumerSecret } = await wooConnection(rt, accountId);
      const [old] = woo().webhooks(consumerKey);
      await connectStore(rt.services, {
        accountId,
        storeDomain: wooStoreUrl(rt),
        credentials: { kind: 'woocommerce', consumerKey, consumerSecret },
        scopes: 'read_write',
      });
      const hooks = woo().webhooks(consumerKey);
      expect(hooks).toHaveLength(1);
      expect(hooks[0]!.id).not.toBe(old!.id);
      const { webhookSecret } = await wooConnection(rt, accountId);
      expect(hooks[0]!.secret).toBe(webhookSecret);
    });
  });

  describe('customer.deleted', () => {
    it('as the store sends it ({id} only): recorded, nothing matchable, nothing else touched', async () => {
      await addOptOut(rt, accountId, 'jane@example.net');
      const { consumerKey } = await wooConnection(rt, accountId);
      expect(await woo().trigger(consumerKey, 'customer.deleted', { id: 42 })).toEqual([200]);
      expect(await optOutHashes(rt, accountId)).toHaveLength(1);
      const [record] = await listComplianceRequests(rt.services.db, accountId);
      expect(record).toMatchObject({ source: 'woocommerce', topic: 'customer.deleted', outcome: 'no_address', concernsOneCustomer: true, platformRequestId: null });
      expect(record!.completedAt).not.toBeNull();
    });

    it('with the address in the payload (a store that adds it): erases that customer’s opt-out', async () => {
      await addOptOut(rt, accountId, 'jane@example.net');
      const kept = await addOptOut(rt, accountId, 'kim@example.org');
      const { consumerKey } = await wooConnection(rt, accountId);
      expect(await woo().trigger(consumerKey, 'customer.deleted', { id: 42, email: 'JANE@example.net' })).toEqual([200]);
      expect(await optOutHashes(rt, accountId)).toEqual([kept]);
      const [record] = await listComplianceRequests(rt.services.db, accountId);
      expect(record).toMatchObject({ outcome: 'erased' });
      expect((await allComplianceRows(rt))[0]!.subjectHash).toBeNull();
    });

    it('the same delivery twice is recorded and done once; two deliveries in the same second are two', async () => {
      await addOptOut(rt, accountId, 'jane@example.net');
      const { webhookSecret } = await wooConnection(rt, accountId);
      const payload = { id: 42, email: 'jane@example.net' };
      expect((await deliverWoo(rt, payload, { secret: webhookSecret!, deliveryId: 'd1' })).status).toBe(200);
      await addOptOut(rt, accountId, 'jane@example.net');
      expect((await deliverWoo(rt, payload, { secret: webhookSecret!, deliveryId: 'd1' })).status).toBe(200);
      expect(await optOutHashes(rt, accountId)).toHaveLength(1);
      expect(await allComplianceRows(rt)).toHaveLength(1);
      // WooCommerce's delivery id is per webhook and second: another customer, same id, is new work.
      expect((await deliverWoo(rt, { id: 43, email: 'jane@example.net' }, { secret: webhookSecret!, deliveryId: 'd1' })).status).toBe(200);
      expect(await optOutHashes(rt, accountId)).toEqual([]);
      expect(await allComplianceRows(rt)).toHaveLength(2);
    });

    it('a topic we do not act on (signed) is acknowledged and ignored', async () => {
      const { webhookSecret } = await wooConnection(rt, accountId);
      const res = await deliverWoo(rt, { id: 7, billing: { email: 'jane@example.net' } }, { secret: webhookSecret!, topic: 'order.created' });
      expect(res.status).toBe(200);
      expect(await allComplianceRows(rt)).toEqual([]);
    });
  });

  describe('removal (disconnect)', () => {
    it('removeWooWebhooks deletes our webhooks from the store and forgets their secret', async () => {
      const before = await wooConnection(rt, accountId);
      expect(await removeWooWebhooks(rt.services, before.connection)).toEqual({ removed: 1, failed: 0 });
      expect(woo().webhooks(before.consumerKey)).toEqual([]);
      const after = await getStoreConnection(rt.services.db, accountId);
      expect(after).toMatchObject({ sealedWebhookSecret: null, webhookIds: null, webhookStatus: null });
      expect(await woo().trigger(before.consumerKey, 'customer.deleted', { id: 1 })).toEqual([]);
    });

    it('counts a webhook the merchant already deleted as removed', async () => {
      const { connection, consumerKey } = await wooConnection(rt, accountId);
      woo().deleteWebhook(woo().webhooks(consumerKey)[0]!.id);
      expect(await removeWooWebhooks(rt.services, connection)).toEqual({ removed: 1, failed: 0 });
    });

    it('reports what it could not remove when the store is down, and keeps those ids', async () => {
      const { connection } = await wooConnection(rt, accountId);
      woo().failNext({ status: 500 });
      expect(await removeWooWebhooks(rt.services, connection)).toEqual({ removed: 0, failed: 1 });
      const after = await getStoreConnection(rt.services.db, accountId);
      expect(after).toMatchObject({ webhookIds: connection.webhookIds, webhookStatus: 'failing' });
      expect(after!.sealedWebhookSecret).not.toBeNull();
    });
  });
});
