import { beforeEach, describe, expect, it } from 'vitest';
import { requestCustomerErasure, resumePendingComplianceRequests } from '../../src/compliance/perform';
import { describeOutcome, listComplianceRequests, openComplianceRequest } from '../../src/compliance/records';
import { hashAddress } from '../../src/crypto/hmac';
import { getStoreConnection } from '../../src/db/accounts';
import { SANDBOX_SHOP } from '../../src/sandbox';
import { addOptOut, allComplianceRows, optOutHashes } from '../support/compliance';
import { sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/** Records of processing: listing per account, merchant-initiated erasure, and the backstop for unfinished work. */
describe('compliance records', () => {
  let rt: TestRuntime;
  let accountId: string;
  beforeEach(async () => {
    rt = await runtimeForTest();
    ({ accountId } = await rt.reset('shopify', [sampleOrder()]));
  });

  it('requestCustomerErasure deletes one person’s opt-out, records it, and keeps no trace of the address', async () => {
    await addOptOut(rt, accountId, 'jane@example.net');
    const other = await addOptOut(rt, accountId, 'kim@example.org');
    expect(await requestCustomerErasure(rt.services, accountId, 'Jane@Example.NET')).toBe('erased');
    expect(await optOutHashes(rt, accountId)).toEqual([other]);
    const [record] = await listComplianceRequests(rt.services.db, accountId);
    expect(record).toMatchObject({
      source: 'merchant',
      topic: 'customer_erasure',
      outcome: 'erased',
      concernsOneCustomer: true,
      platformRequestId: null,
    });
    const hash = await hashAddress(rt.config.secrets.hashKey, 'jane@example.net');
    expect(JSON.stringify(await allComplianceRows(rt))).not.toContain(hash);
  });

  it('lists only the account’s own requests, newest first, with a sentence for each outcome', async () => {
    const { row: older } = await openComplianceRequest(
      rt.services.db,
      {
        source: 'shopify',
        topic: 'customers/data_request',
        accountId,
        storeDomain: SANDBOX_SHOP,
        externalId: 'a',
        subjectHash: null,
      },
      1_000,
    );
    await openComplianceRequest(
      rt.services.db,
      {
        source: 'shopify',
        topic: 'customers/redact',
        accountId: 'acc_someoneelse',
        storeDomain: 'x.myshopify.com',
        externalId: 'b',
        subjectHash: null,
      },
      2_000,
    );
    const { row: newer } = await openComplianceRequest(
      rt.services.db,
      {
        source: 'shopify',
        topic: 'app/uninstalled',
        accountId,
        storeDomain: SANDBOX_SHOP,
        externalId: 'c',
        subjectHash: null,
      },
      3_000,
    );
    const list = await listComplianceRequests(rt.services.db, accountId);
    expect(list.map((r) => r.id)).toEqual([newer.id, older.id]);
    expect(list[1]).toMatchObject({ completedAt: null, tookMs: null, outcome: null, concernsOneCustomer: true });
    expect(list[0]!.concernsOneCustomer).toBe(false);
    expect(describeOutcome(null)).toBe('In progress.');
    expect(describeOutcome('opt_out_held')).toMatch(/keyed hash/);
  });

  it('resumes requests left unfinished, from the record alone, and leaves recent ones to their webhook', async () => {
    await addOptOut(rt, accountId, 'jane@example.net');
    const subjectHash = await hashAddress(rt.config.secrets.hashKey, 'jane@example.net');
    const now = Date.now();
    await openComplianceRequest(
      rt.services.db,
      {
        source: 'shopify',
        topic: 'customers/redact',
        accountId,
        storeDomain: SANDBOX_SHOP,
        externalId: 'stuck-1',
        subjectHash,
      },
      now - 5 * 60_000,
    );
    await openComplianceRequest(
      rt.services.db,
      {
        source: 'shopify',
        topic: 'app/uninstalled',
        accountId,
        storeDomain: SANDBOX_SHOP,
        externalId: 'fresh-1',
        subjectHash: null,
      },
      now,
    );

    expect(await resumePendingComplianceRequests(rt.services)).toEqual({ resumed: 1, failed: 0 });
    expect(await optOutHashes(rt, accountId)).toEqual([]);
    const rows = await allComplianceRows(rt);
    expect(rows.find((r) => r.externalId === 'stuck-1')).toMatchObject({ outcome: 'erased', subjectHash: null });
    expect(rows.find((r) => r.externalId === 'fresh-1')!.completedAt).toBeNull();
    expect((await getStoreConnection(rt.services.db, accountId))!.sealedCredentials).not.toBeNull();

    // Once it is old enough, the backstop finishes that one too.
    expect(await resumePendingComplianceRequests(rt.services, { olderThanMs: -1 })).toEqual({ resumed: 1, failed: 0 });
    expect((await getStoreConnection(rt.services.db, accountId))!.sealedCredentials).toBeNull();
  });
});
