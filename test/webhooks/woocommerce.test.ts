import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { connectStore, createAccount } from '../../src/accounts/connect';
import { accountStatus } from '../../src/accounts/status';
import { listComplianceRequests } from '../../src/compliance/records';
import { getStoreConnection } from '../../src/db/accounts';
import { countersFor } from '../../src/db/counters';
import { storeConnections } from '../../src/db/schema';
import { utcDay } from '../../src/platform/ids';
import { removeWooWebhooks } from '../../src/accounts/woo-webhook-registration';
import { reconcileWooWebhooks } from '../../src/pipeline/woo-store-repair';
import { StatusPage } from '../../src/ui/status';
import {
  addOptOut,
  allComplianceRows,
  deliverWoo,
  optOutHashes,
  signBase64,
  wooConnection,
  wooStoreUrl,
} from '../support/compliance';
import { APP_URL, sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/** WooCommerce webhooks, happy paths: registration on connect, the ping, customer.deleted, removal. */
describe('WooCommerce webhooks', () => {
  let rt: TestRuntime;
  let accountId: string;
  const woo = () => rt.sandbox!.fakes.woocommerce;
  beforeEach(async () => {
    rt = await runtimeForTest();
    ({ accountId } = await rt.reset('woocommerce', [sampleOrder()]));
  });

  describe('registration on connect', () => {
    it('registers customer.deleted at APP_URL/webhooks/woocommerce with a per-store secret kept sealed', async () => {
      const { connection, consumerKey, webhookSecret } = await wooConnection(rt, accountId);
      const hooks = woo().webhooks(consumerKey);
      expect(hooks).toHaveLength(1);
      expect(hooks[0]).toMatchObject({
        topic: 'customer.deleted',
        status: 'active',
        delivery_url: `${APP_URL}/webhooks/woocommerce`,
      });
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
      expect(record).toMatchObject({
        source: 'woocommerce',
        topic: 'customer.deleted',
        outcome: 'no_address',
        concernsOneCustomer: true,
        platformRequestId: null,
      });
      expect(record!.completedAt).not.toBeNull();
    });

    it('with the address in the payload (a store that adds it): erases that customer’s opt-out', async () => {
      await addOptOut(rt, accountId, 'jane@example.net');
      const kept = await addOptOut(rt, accountId, 'kim@example.org');
      const { consumerKey } = await wooConnection(rt, accountId);
      expect(await woo().trigger(consumerKey, 'customer.deleted', { id: 42, email: 'JANE@example.net' })).toEqual([
        200,
      ]);
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
      expect(
        (await deliverWoo(rt, { id: 43, email: 'jane@example.net' }, { secret: webhookSecret!, deliveryId: 'd1' }))
          .status,
      ).toBe(200);
      expect(await optOutHashes(rt, accountId)).toEqual([]);
      expect(await allComplianceRows(rt)).toHaveLength(2);
    });

    it('a topic we do not act on (signed) is acknowledged and ignored', async () => {
      const { webhookSecret } = await wooConnection(rt, accountId);
      const res = await deliverWoo(
        rt,
        { id: 7, billing: { email: 'jane@example.net' } },
        { secret: webhookSecret!, topic: 'order.created' },
      );
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

/**
 * X-WC-Webhook-Source is home_url('/') (WC_Webhook::deliver): a trailing slash, maybe www., maybe a
 * subdirectory, http when the site sits behind a TLS-terminating proxy. It names the same store as
 * the URL the merchant connected whenever their identities (storeIdentity) agree.
 */
describe('WooCommerce webhooks: the store named by X-WC-Webhook-Source', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  /** A store connected under `storeDomain` (unreachable from the sandbox, so only its webhook secret matters here). */
  async function connectedAs(storeDomain: string) {
    const accountId = await createAccount(rt.services);
    await connectStore(rt.services, {
      accountId,
      storeDomain,
      credentials: { kind: 'woocommerce', consumerKey: `ck_${'a'.repeat(32)}`, consumerSecret: `cs_${'b'.repeat(32)}` },
      scopes: 'read_write',
    });
    return { accountId, secret: (await wooConnection(rt, accountId)).webhookSecret! };
  }

  it.each([
    ['https://shop.example', 'https://shop.example/'],
    ['https://shop.example', 'http://shop.example/'],
    ['https://shop.example', 'https://www.shop.example/'],
    ['https://www.shop.example', 'https://shop.example/'],
    ['https://www.shop.example', 'HTTP://WWW.Shop.Example//'],
    ['https://shop.example', 'https://shop.example:443/'],
    ['https://example.com/shop', 'https://example.com/shop/'],
    ['https://example.com/shop', 'http://www.example.com/shop/'],
    ['https://example.com/shop/', 'https://example.com/Shop'],
  ])('connected as %s, a delivery from %s is that store', async (storeDomain, source) => {
    const { secret } = await connectedAs(storeDomain);
    expect((await deliverWoo(rt, { id: 42 }, { secret, source })).status).toBe(200);
    expect(await allComplianceRows(rt)).toHaveLength(1);
  });

  it.each([
    ['https://example.com/shop', 'https://example.com/'],
    ['https://example.com/shop', 'https://example.com/shop2/'],
    ['https://example.com/shop', 'https://example.com/shop/blog/'],
    ['https://shop.example', 'https://shop.example.evil.example/'],
    ['https://shop.example', 'https://myshop.example/'],
    ['https://shop.example', 'https://shop.example:8443/'],
  ])('connected as %s, a delivery from %s is not', async (storeDomain, source) => {
    const { secret } = await connectedAs(storeDomain);
    expect((await deliverWoo(rt, { id: 42 }, { secret, source })).status).toBe(401);
    expect(await allComplianceRows(rt)).toEqual([]);
  });

  /** WC_Webhook::deliver's headers, with this webhook id and source. */
  const deliverAs = (o: { secret: string; source: string; webhookId: number | string; body?: string }) => {
    const body = o.body ?? JSON.stringify({ id: 42 });
    return rt.request('/webhooks/woocommerce', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-source': o.source,
        'x-wc-webhook-topic': 'customer.deleted',
        'x-wc-webhook-resource': 'customer',
        'x-wc-webhook-event': 'deleted',
        'x-wc-webhook-id': String(o.webhookId),
        'x-wc-webhook-delivery-id': crypto.randomUUID().replace(/-/g, ''),
        'x-wc-webhook-signature': signBase64(o.secret, body),
      },
      body,
    });
  };

  it('one of our stores signing under a foreign address is refused, counted against it, and its webhooks marked failing', async () => {
    const { accountId } = await rt.reset('woocommerce', [sampleOrder()]);
    const { webhookSecret, consumerKey } = await wooConnection(rt, accountId);
    const [hook] = rt.sandbox!.fakes.woocommerce.webhooks(consumerKey);
    const res = await deliverAs({ secret: webhookSecret!, source: 'https://elsewhere.example/', webhookId: hook!.id });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized', message: 'Invalid webhook signature.' } });
    expect(await allComplianceRows(rt)).toEqual([]);
    expect(
      (await countersFor(rt.services.db, accountId, utcDay(Date.now())))['error:woo_webhook_source_mismatch'],
    ).toBe(1);
    expect((await getStoreConnection(rt.services.db, accountId))!.webhookStatus).toBe('failing');
    expect(
      rt.logs.some((l) => l.includes('woo.webhook_rejected') && l.includes('source_mismatch') && l.includes(accountId)),
    ).toBe(true);

    // Not ours (wrong secret, or a webhook id we never registered): refused, counted nowhere.
    expect(
      (await deliverAs({ secret: 'someone-else', source: 'https://elsewhere.example/', webhookId: hook!.id })).status,
    ).toBe(401);
    expect(
      (await deliverAs({ secret: webhookSecret!, source: 'https://elsewhere.example/', webhookId: 999_999 })).status,
    ).toBe(401);
    expect(
      (await deliverAs({ secret: webhookSecret!, source: 'https://elsewhere.example/', webhookId: '1 OR 1=1' })).status,
    ).toBe(401);
    expect(
      (await countersFor(rt.services.db, accountId, utcDay(Date.now())))['error:woo_webhook_source_mismatch'],
    ).toBe(1);
  });

  it('a store whose home_url is not the connected address: refused and counted, and the cron does not re-enable its webhook in a loop', async () => {
    const woo = rt.sandbox!.fakes.woocommerce;
    const accountId = await createAccount(rt.services);
    // The merchant connected the address they type; WordPress calls the site by another one.
    woo.addStore('ck_moved', 'cs_moved', [], { homeUrl: 'https://www.shop-elsewhere.example/' });
    await connectStore(rt.services, {
      accountId,
      storeDomain: wooStoreUrl(rt),
      credentials: { kind: 'woocommerce', consumerKey: 'ck_moved', consumerSecret: 'cs_moved' },
      scopes: 'read_write',
    });
    const [hook] = woo.webhooks('ck_moved');
    expect(hook!.status).toBe('active');

    for (let i = 0; i < 7; i++) await woo.trigger('ck_moved', 'customer.deleted', { id: i });
    expect(
      woo
        .deliveries()
        .filter((d) => d.kind === 'delivery')
        .map((d) => d.status),
    ).toEqual(Array(7).fill(401));
    expect(woo.webhooks('ck_moved')[0]!.status).toBe('disabled');
    expect(
      (await countersFor(rt.services.db, accountId, utcDay(Date.now())))['error:woo_webhook_source_mismatch'],
    ).toBe(7);

    // Re-enabling would only start the next round of refusals: reconcile leaves it, and says so.
    const modified = woo.webhooks('ck_moved')[0]!.date_modified;
    for (let run = 0; run < 3; run++)
      expect(await reconcileWooWebhooks(rt.services)).toEqual({ checked: 1, active: 0, restored: 0, failing: 1 });
    expect(woo.webhooks('ck_moved')).toMatchObject([{ id: hook!.id, status: 'disabled', date_modified: modified }]);
    expect((await getStoreConnection(rt.services.db, accountId))!.webhookStatus).toBe('failing');
    expect(woo.deliveries().filter((d) => d.kind === 'delivery')).toHaveLength(7);
  });
});

describe('WooCommerce webhooks on the status page', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  const page = async (accountId: string) =>
    String(
      StatusPage({
        config: rt.config,
        status: (await accountStatus(rt.services, accountId))!,
        requests: [],
        csrf: 'x',
        now: Date.now(),
      }),
    );

  it('a source mismatch shows as a failing webhook, with what to do, and counts as an error', async () => {
    const { accountId } = await rt.reset('woocommerce', [sampleOrder()]);
    const { webhookSecret } = await wooConnection(rt, accountId);
    expect(await page(accountId)).not.toContain('webhook is not working');
    expect(
      (await deliverWoo(rt, { id: 1 }, { secret: webhookSecret!, source: 'https://www.elsewhere.example/' })).status,
    ).toBe(401);
    const html = await page(accountId);
    expect(html).toContain('webhook is not working');
    expect(html).toContain('Site Address (URL)');
    expect(html).toMatch(/Store webhooks<\/dt><dd>failing/);
    expect((await accountStatus(rt.services, accountId))!.errorsWeek).toBe(1);
  });

  it('a connection whose setup is still to finish says so', async () => {
    const { accountId } = await rt.reset('woocommerce', [sampleOrder()]);
    await rt.services.db
      .update(storeConnections)
      .set({ webhookStatus: null, webhookCheckedAt: null })
      .where(eq(storeConnections.accountId, accountId));
    expect(await page(accountId)).toContain('Finishing the connection with your store');
  });
});
