import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { listComplianceRequests } from '../../src/compliance/records';
import { getAccount, getStoreConnection } from '../../src/db/accounts';
import { accounts, consentRecords, dailyCounters, gmailConnections, storeConnections } from '../../src/db/schema';
import { syncAccount } from '../../src/pipeline/sync';
import { SANDBOX_SHOP } from '../../src/sandbox';
import {
  addOptOut,
  allComplianceRows,
  customerRedactPayload,
  dataRequestPayload,
  deliverShopify,
  optOutHashes,
  shopOnlyAccount,
  shopRedactPayload,
  uninstalledPayload,
} from '../support/compliance';
import { sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/** POST /webhooks/shopify, happy paths: each topic signed as Shopify signs it, and what it leaves behind. */
describe('Shopify webhooks: compliance topics', () => {
  let rt: TestRuntime;
  let accountId: string;
  beforeEach(async () => {
    rt = await runtimeForTest();
    ({ accountId } = await rt.reset('shopify', [sampleOrder()]));
  });

  it('customers/data_request: records the request and answers that an opt-out is held, never the address', async () => {
    await addOptOut(rt, accountId, 'Jane@Example.net');
    const res = await deliverShopify(rt, dataRequestPayload('jane@example.net'), {
      topic: 'customers/data_request',
      webhookId: 'wh-data-1',
    });
    expect(res.status).toBe(200);

    const [record] = await listComplianceRequests(rt.services.db, accountId);
    expect(record).toMatchObject({
      source: 'shopify',
      topic: 'customers/data_request',
      store: SANDBOX_SHOP,
      platformRequestId: 'wh-data-1',
      outcome: 'opt_out_held',
      concernsOneCustomer: true,
    });
    expect(record!.completedAt).not.toBeNull();
    expect(record!.tookMs).toBeLessThan(60_000);
    expect(JSON.stringify(record)).not.toContain('jane');
    // Answering changes nothing: the opt-out is still there; the record keeps no hash of the person.
    expect(await optOutHashes(rt, accountId)).toHaveLength(1);
    const [row] = await allComplianceRows(rt);
    expect(row!.subjectHash).toBeNull();
  });

  it('customers/data_request for someone we hold nothing about answers nothing_held', async () => {
    const res = await deliverShopify(rt, dataRequestPayload('stranger@example.org'), {
      topic: 'customers/data_request',
    });
    expect(res.status).toBe(200);
    const [record] = await listComplianceRequests(rt.services.db, accountId);
    expect(record!.outcome).toBe('nothing_held');
  });

  it('customers/redact deletes that customer’s opt-out and no one else’s', async () => {
    await addOptOut(rt, accountId, 'jane@example.net');
    const other = await addOptOut(rt, accountId, 'someone.else@example.org');
    const res = await deliverShopify(rt, customerRedactPayload(' JANE@example.net '), { topic: 'customers/redact' });
    expect(res.status).toBe(200);
    expect(await optOutHashes(rt, accountId)).toEqual([other]);
    const [record] = await listComplianceRequests(rt.services.db, accountId);
    expect(record).toMatchObject({ topic: 'customers/redact', outcome: 'erased' });
  });

  it('customers/redact with no address on file (phone-only customer) completes with nothing_held', async () => {
    const res = await deliverShopify(rt, customerRedactPayload(null), { topic: 'customers/redact' });
    expect(res.status).toBe(200);
    const [record] = await listComplianceRequests(rt.services.db, accountId);
    expect(record).toMatchObject({ outcome: 'nothing_held' });
  });

  it('app/uninstalled deletes the sealed token at once, marks the store uninstalled and pauses drafting', async () => {
    const res = await deliverShopify(rt, uninstalledPayload(), { topic: 'app/uninstalled' });
    expect(res.status).toBe(200);
    const store = await getStoreConnection(rt.services.db, accountId);
    expect(store).toMatchObject({ sealedCredentials: null, status: 'uninstalled', storeDomain: SANDBOX_SHOP });
    expect((await getAccount(rt.services.db, accountId))!.paused).toBe(true);
    expect(await syncAccount(rt.services, accountId)).toEqual({ status: 'skipped', reason: 'no_store' });
    const [record] = await listComplianceRequests(rt.services.db, accountId);
    expect(record).toMatchObject({ topic: 'app/uninstalled', outcome: 'token_deleted' });
  });

  it('shop/redact deletes the store; an account that keeps its Gmail stays, with its store grant withdrawn', async () => {
    await addOptOut(rt, accountId, 'jane@example.net');
    await deliverShopify(rt, uninstalledPayload(), { topic: 'app/uninstalled' });
    const res = await deliverShopify(rt, shopRedactPayload(), { topic: 'shop/redact' });
    expect(res.status).toBe(200);

    expect(await getStoreConnection(rt.services.db, accountId)).toBeUndefined();
    expect(await getAccount(rt.services.db, accountId)).toBeDefined();
    const grants = await rt.services.db.query.consentRecords.findMany({
      where: eq(consentRecords.kind, 'store_access'),
    });
    expect(grants.length).toBeGreaterThan(0);
    expect(grants.every((g) => g.withdrawnAt !== null)).toBe(true);
    // The mailbox is still connected: its customers' objections keep protecting them.
    expect(await optOutHashes(rt, accountId)).toHaveLength(1);

    const records = await listComplianceRequests(rt.services.db, accountId);
    expect(records.map((r) => [r.topic, r.outcome])).toEqual([
      ['shop/redact', 'store_erased'],
      ['app/uninstalled', 'token_deleted'],
    ]);
    // Every record of that shop now names it only by keyed hash.
    expect(records.every((r) => r.store === null && r.storeErased)).toBe(true);
    expect(JSON.stringify(await allComplianceRows(rt))).not.toContain(SANDBOX_SHOP);
  });

  it('shop/redact deletes the whole account when the store was all it had', async () => {
    const shop = 'lonely-shop.myshopify.com';
    const lonely = await shopOnlyAccount(rt, shop, { shopName: 'Lonely Shop' });
    await addOptOut(rt, lonely, 'jane@example.net');
    const res = await deliverShopify(rt, shopRedactPayload(shop), { topic: 'shop/redact', shop });
    expect(res.status).toBe(200);

    const db = rt.services.db;
    for (const [table, column] of [
      [accounts, accounts.id],
      [storeConnections, storeConnections.accountId],
      [gmailConnections, gmailConnections.accountId],
      [consentRecords, consentRecords.accountId],
      [dailyCounters, dailyCounters.accountId],
    ] as const) {
      expect(await db.select().from(table).where(eq(column, lonely))).toEqual([]);
    }
    expect(await optOutHashes(rt, lonely)).toEqual([]);
    const [record] = await listComplianceRequests(db, lonely);
    expect(record).toMatchObject({ topic: 'shop/redact', outcome: 'account_erased', storeErased: true });
    // The other account (the sandbox one) is untouched.
    expect(await getAccount(db, accountId)).toBeDefined();
  });

  it('shop/redact for a shop we never saw answers 200 and records nothing_held', async () => {
    const shop = 'never-seen.myshopify.com';
    const res = await deliverShopify(rt, shopRedactPayload(shop), {
      topic: 'shop/redact',
      shop,
      webhookId: 'wh-unknown-shop',
    });
    expect(res.status).toBe(200);
    const rows = await allComplianceRows(rt);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      topic: 'shop/redact',
      externalId: 'wh-unknown-shop',
      outcome: 'nothing_held',
      accountId: null,
    });
    expect(rows[0]!.completedAt).not.toBeNull();
    expect(rows[0]!.storeDomain).toMatch(/^erased:[0-9a-f]{64}$/);
  });

  it('a redelivery (same X-Shopify-Webhook-Id) is answered 200 and does nothing twice', async () => {
    await addOptOut(rt, accountId, 'jane@example.net');
    const payload = customerRedactPayload('jane@example.net');
    expect((await deliverShopify(rt, payload, { webhookId: 'wh-same' })).status).toBe(200);
    expect(await optOutHashes(rt, accountId)).toEqual([]);
    const [first] = await allComplianceRows(rt);
    const completions = () => rt.logs.filter((l) => l.includes('compliance.completed')).length;
    expect(completions()).toBe(1);

    // The customer opts out again afterwards; a late redelivery of the old request must not erase it.
    await addOptOut(rt, accountId, 'jane@example.net');
    expect((await deliverShopify(rt, payload, { webhookId: 'wh-same' })).status).toBe(200);
    expect(await optOutHashes(rt, accountId)).toHaveLength(1);
    expect(await allComplianceRows(rt)).toEqual([first]);
    expect(completions()).toBe(1);

    // A different delivery id is a new request.
    expect((await deliverShopify(rt, payload, { webhookId: 'wh-other' })).status).toBe(200);
    expect(await optOutHashes(rt, accountId)).toEqual([]);
    expect(await allComplianceRows(rt)).toHaveLength(2);
  });

  it('a topic we do not act on is acknowledged (200) and ignored', async () => {
    const res = await deliverShopify(rt, { id: 1, email: 'jane@example.net' }, { topic: 'orders/create' });
    expect(res.status).toBe(200);
    expect(await allComplianceRows(rt)).toEqual([]);
    expect(rt.logs.some((l) => l.includes('shopify.webhook_ignored'))).toBe(true);
  });

  it('records receipt and completion times and finishes well under a minute', async () => {
    const before = Date.now();
    await deliverShopify(rt, shopRedactPayload(), { topic: 'shop/redact' });
    const [row] = await allComplianceRows(rt);
    expect(row!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(row!.completedAt! - row!.receivedAt).toBeLessThan(60_000);
    expect(row!.completedAt).toBeLessThanOrEqual(Date.now());
  });
});
