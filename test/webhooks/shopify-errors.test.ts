import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { connectStore } from '../../src/accounts/connect';
import { getAccount, getStoreConnection } from '../../src/db/accounts';
import {
  addOptOut,
  allComplianceRows,
  customerRedactPayload,
  deliverShopify,
  optOutHashes,
  shopRedactPayload,
  uninstalledPayload,
} from '../support/compliance';
import { SANDBOX_SHOP } from '../../src/sandbox';
import { sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/** POST /webhooks/shopify, errors: bodies that are too big or not what the topic says, and failures half way. */
const EMAIL = 'jane@example.net';

/**
 * Makes the database refuse the updates `clause` names (what follows BEFORE UPDATE in a trigger), as
 * a failing database would, until the returned function is called.
 */
async function refuseUpdates(rt: TestRuntime, clause: string): Promise<() => Promise<void>> {
  await rt.services.db.run(
    sql.raw(`CREATE TRIGGER refuse_update BEFORE UPDATE ${clause} BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`),
  );
  return async () => {
    await rt.services.db.run(sql.raw('DROP TRIGGER refuse_update'));
  };
}

describe('Shopify webhooks: bodies', () => {
  let rt: TestRuntime;
  let accountId: string;
  beforeEach(async () => {
    rt = await runtimeForTest();
    ({ accountId } = await rt.reset('shopify', [sampleOrder()]));
    await addOptOut(rt, accountId, EMAIL);
  });

  it('refuses an oversized body with 413 before reading it, signed or not', async () => {
    const body = JSON.stringify({ ...customerRedactPayload(EMAIL), padding: 'x'.repeat(300 * 1024) });
    const res = await deliverShopify(rt, null, { body });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect(await optOutHashes(rt, accountId)).toHaveLength(1);
  });

  it.each([
    ['JSON that does not parse', '{"shop_domain": "sandbox-shop.myshopify.com", "customer": {'],
    ['an empty body', ''],
    [
      'JSON of the wrong shape for the topic',
      JSON.stringify({ shop_domain: 'sandbox-shop.myshopify.com', customer: 'jane' }),
    ],
    ['a JSON array', '[1,2,3]'],
  ])('answers 400 for %s after a valid signature, and processes nothing', async (_label, body) => {
    const res = await deliverShopify(rt, null, { body, topic: 'customers/redact' });
    expect(res.status).toBe(400);
    const answer = await res.text();
    expect(answer).not.toContain('jane');
    expect(await optOutHashes(rt, accountId)).toHaveLength(1);
    expect(await allComplianceRows(rt)).toEqual([]);
  });

  it('a failure half way answers 500 (so Shopify retries); the redelivery completes the request', async () => {
    // Make the database refuse the uninstall's update, as a failing database would.
    const restore = await refuseUpdates(rt, 'ON store_connections');
    const first = await deliverShopify(rt, uninstalledPayload(), { topic: 'app/uninstalled', webhookId: 'wh-retry' });
    expect(first.status).toBe(500);
    const body = (await first.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('internal');
    expect(body.error.message).not.toContain('simulated');
    const [pending] = await allComplianceRows(rt);
    expect(pending!.completedAt).toBeNull();

    await restore();
    const retry = await deliverShopify(rt, uninstalledPayload(), { topic: 'app/uninstalled', webhookId: 'wh-retry' });
    expect(retry.status).toBe(200);
    const rows = await allComplianceRows(rt);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'token_deleted' });
    expect((await getStoreConnection(rt.services.db, accountId))!.sealedCredentials).toBeNull();
  });

  it('shop/redact cut short after the erasure: the redelivery still leaves the shop named only by keyed hash', async () => {
    // The erasure goes through, then the database refuses to rewrite the records' shop domain.
    const restore = await refuseUpdates(
      rt,
      "OF store_domain ON compliance_requests WHEN NEW.store_domain LIKE 'erased:%'",
    );
    const first = await deliverShopify(rt, shopRedactPayload(), { topic: 'shop/redact', webhookId: 'wh-redact' });
    expect(first.status).toBe(500);

    await restore();
    const retry = await deliverShopify(rt, shopRedactPayload(), { topic: 'shop/redact', webhookId: 'wh-redact' });
    expect(retry.status).toBe(200);
    const rows = await allComplianceRows(rt);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.completedAt).not.toBeNull();
    expect(rows[0]!.storeDomain).toMatch(/^erased:[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(SANDBOX_SHOP);
  });

  it('an app/uninstalled retried after the merchant installed again leaves the new installation alone', async () => {
    const restore = await refuseUpdates(rt, 'ON store_connections');
    const first = await deliverShopify(rt, uninstalledPayload(), { topic: 'app/uninstalled', webhookId: 'wh-late' });
    expect(first.status).toBe(500);
    await restore();

    // The merchant installs the app again before Shopify retries the uninstall notice.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await connectStore(rt.services, {
      accountId,
      storeDomain: SANDBOX_SHOP,
      credentials: { kind: 'shopify', accessToken: 'shpat_reinstalled' },
      scopes: 'read_orders',
    });
    const retry = await deliverShopify(rt, uninstalledPayload(), { topic: 'app/uninstalled', webhookId: 'wh-late' });
    expect(retry.status).toBe(200);
    const store = await getStoreConnection(rt.services.db, accountId);
    expect(store).toMatchObject({ status: 'active' });
    expect(store!.sealedCredentials).not.toBeNull();
    expect((await getAccount(rt.services.db, accountId))!.paused).toBe(false);
  });
});
