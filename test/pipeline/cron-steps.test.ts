import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { openComplianceRequest } from '../../src/compliance/records';
import { getStoreConnection } from '../../src/db/accounts';
import { migrateDb, openNodeDb } from '../../src/db/node';
import { accounts, complianceRequests, gmailConnections, storeConnections } from '../../src/db/schema';
import { consumeDeadLetters } from '../../src/pipeline/consume';
import { QUIET_AFTER_MS, runScheduled } from '../../src/pipeline/schedule';
import type { Delivery, QueueMessage } from '../../src/platform/queue';
import type { Services } from '../../src/services';
import { createStoreNonce } from '../../src/accounts/store-nonces';
import { WOO_REPAIR_EVERY_MS } from '../../src/pipeline/woo-store-repair';
import { wooConnection } from '../support/compliance';
import { sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/** The cron as the Worker's scheduled handler and the Node timer run it: it queues, the consumer works. */
describe('cron', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  const checkedLongAgo = (accountId: string) =>
    rt.services.db
      .update(storeConnections)
      .set({ webhookCheckedAt: Date.now() - WOO_REPAIR_EVERY_MS - 1000 })
      .where(eq(storeConnections.accountId, accountId));

  it('queues {accountId, job: repair_store} for a WooCommerce store due; the consumer restores the webhook the store disabled', async () => {
    const { accountId } = await rt.reset('woocommerce', [sampleOrder()]);
    const { consumerKey } = await wooConnection(rt, accountId);
    const [hook] = rt.sandbox!.fakes.woocommerce.webhooks(consumerKey);
    rt.sandbox!.fakes.woocommerce.setWebhookStatus(hook!.id, 'disabled');
    await checkedLongAgo(accountId);
    rt.queueMessages.length = 0;
    expect((await runScheduled(rt.services)).failedSteps).toEqual([]);
    expect(rt.queueMessages).toContain(JSON.stringify({ accountId, job: 'repair_store' }));
    await rt.settle();
    expect(rt.sandbox!.fakes.woocommerce.webhooks(consumerKey)[0]!.status).toBe('active');
    expect((await getStoreConnection(rt.services.db, accountId))!.webhookStatus).toBe('restored');
  });

  it('a store checked within the last few minutes is not due', async () => {
    const { accountId } = await rt.reset('woocommerce', [sampleOrder()]);
    rt.queueMessages.length = 0;
    await runScheduled(rt.services);
    expect(rt.queueMessages).not.toContain(JSON.stringify({ accountId, job: 'repair_store' }));
    await checkedLongAgo(accountId);
    await runScheduled(rt.services);
    expect(rt.queueMessages).toContain(JSON.stringify({ accountId, job: 'repair_store' }));
    await rt.settle();
  });

  it('a repair that ran out of retries is counted as dead-lettered; the store is still due next tick', async () => {
    const { accountId } = await rt.reset('woocommerce', [sampleOrder()]);
    await checkedLongAgo(accountId);
    const dead: Delivery = {
      body: { accountId, job: 'repair_store' },
      attempts: 6,
      ack: () => undefined,
      retry: () => undefined,
    };
    await consumeDeadLetters(rt.services, [dead]);
    const counters = await rt.services.db.query.dailyCounters.findMany({
      where: (t, { eq }) => eq(t.accountId, accountId),
    });
    expect(counters.find((c) => c.name === 'error:dead_lettered')?.count).toBe(1);
    rt.queueMessages.length = 0;
    await runScheduled(rt.services);
    expect(rt.queueMessages).toContain(JSON.stringify({ accountId, job: 'repair_store' }));
    await rt.settle();
  });

  it('queues {job: compliance, requestId} for a request left open over a minute; the consumer completes it', async () => {
    const { accountId } = await rt.reset('shopify', [sampleOrder()]);
    const { row } = await openComplianceRequest(
      rt.services.db,
      {
        source: 'shopify',
        topic: 'customers/data_request',
        accountId,
        storeDomain: 'sandbox-shop.myshopify.com',
        externalId: 'stuck-1',
        subjectHash: null,
      },
      Date.now() - 5 * 60_000,
    );
    await openComplianceRequest(
      rt.services.db,
      {
        source: 'shopify',
        topic: 'customers/data_request',
        accountId,
        storeDomain: 'sandbox-shop.myshopify.com',
        externalId: 'fresh-1',
        subjectHash: null,
      },
      Date.now(),
    );
    rt.queueMessages.length = 0;
    await runScheduled(rt.services);
    // Only the record's random id: never the shop, never a customer.
    expect(rt.queueMessages.filter((m) => m.includes('compliance'))).toEqual([
      JSON.stringify({ requestId: row.id, job: 'compliance' }),
    ]);
    await rt.settle();
    const done = await rt.services.db.query.complianceRequests.findFirst({ where: eq(complianceRequests.id, row.id) });
    expect(done).toMatchObject({ outcome: 'nothing_held' });
    expect(done!.completedAt).not.toBeNull();
    // A duplicate message (a second tick before the first was consumed) finds it done.
    await rt.services.queue.sendBatch!([{ requestId: row.id, job: 'compliance' }]);
    await rt.settle();
    expect(rt.logs.some((l) => l.includes('compliance:already_done'))).toBe(true);
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

/**
 * What one cron tick costs, counted as Workers counts subrequests: database statements (each a
 * round trip to Turso), outside calls, and queue sends. It must not grow with the number of accounts.
 */
describe('the cron’s own work', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  /** `n` merchants, each due for a poll, a watch renewal, a store repair and one open compliance request. */
  async function seed(n: number) {
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const id = `acc_load${i}`;
      await rt.services.db.insert(accounts).values({ id, createdAt: now, draftKinds: '' });
      await rt.services.db.insert(gmailConnections).values({
        accountId: id,
        mailbox: `m${i}@example.com`,
        sealedRefreshToken: 'sealed',
        grantedScopes: '',
        connectedAt: now,
        lastSyncAt: now - QUIET_AFTER_MS - 1000,
        watchExpiresAt: now + 1000,
      });
      await rt.services.db.insert(storeConnections).values({
        id: `sto_load${i}`,
        accountId: id,
        kind: 'woocommerce',
        storeDomain: 'https://shop.example.com',
        sealedCredentials: 'sealed',
        connectedAt: now,
      });
      await openComplianceRequest(
        rt.services.db,
        {
          source: 'merchant',
          topic: 'customer_erasure',
          accountId: id,
          storeDomain: null,
          externalId: `load-${i}`,
          subjectHash: null,
        },
        now - 5 * 60_000,
      );
    }
  }

  /** One tick with every statement, outside call and queue call counted, and nothing consumed. */
  async function tick() {
    const opened = openNodeDb(rt.config.database.url);
    await migrateDb(opened.db);
    let statements = 0;
    for (const method of ['execute', 'batch'] as const) {
      const original = opened.client[method].bind(opened.client) as (...args: unknown[]) => Promise<unknown>;
      (opened.client as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => (
        statements++, original(...args)
      );
    }
    const { drizzle } = await import('drizzle-orm/libsql');
    const schema = await import('../../src/db/schema');
    let fetches = 0;
    const sent: QueueMessage[] = [];
    let batches = 0;
    const s: Services = {
      ...rt.services,
      db: drizzle(opened.client, { schema }),
      fetch: (input, init) => (fetches++, rt.services.fetch(input, init)),
      queue: {
        send: async () => {
          throw new Error('the cron sends in batches');
        },
        sendBatch: async (messages) => {
          batches++;
          expect(messages.length).toBeLessThanOrEqual(100);
          sent.push(...messages);
        },
      },
    };
    try {
      const result = await runScheduled(s);
      return { result, statements, fetches, batches, sent };
    } finally {
      opened.client.close();
    }
  }

  it('is one statement per step and one sendBatch per 100 messages, for 2 accounts as for 40', async () => {
    await seed(2);
    const small = await tick();
    expect(small.result).toEqual({ queued: 8, failedSteps: [] });
    await rt.services.db.delete(complianceRequests);
    await rt.services.db.delete(accounts);
    await seed(40);
    const large = await tick();
    expect(large.result).toEqual({ queued: 160, failedSteps: [] });

    // Four SELECTs (poll, watches, stores, compliance) and the nonce purge; no outside call at all.
    expect(small.statements).toBe(5);
    expect(large.statements).toBe(small.statements);
    expect(small.fetches + large.fetches).toBe(0);
    expect(small.batches).toBe(1);
    expect(large.batches).toBe(2);
    const jobs = (m: QueueMessage) => ('job' in m ? m.job : 'sync');
    expect(large.sent.filter((m) => jobs(m) === 'sync')).toHaveLength(40);
    expect(large.sent.filter((m) => jobs(m) === 'renew_watch')).toHaveLength(40);
    expect(large.sent.filter((m) => jobs(m) === 'repair_store')).toHaveLength(40);
    expect(large.sent.filter((m) => jobs(m) === 'compliance')).toHaveLength(40);
  });
});
