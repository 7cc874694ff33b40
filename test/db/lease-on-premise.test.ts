import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { recordOptOut } from '../../src/compliance/opt-out';
import { getAccount, getGmailConnection, getStoreConnection } from '../../src/db/accounts';
import { type AccountSnapshot, syncLeaseAcquireOnPremise } from '../../src/db/lease-on-premise';
import { accounts, gmailConnections, optOuts, storeConnections } from '../../src/db/schema';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/** The premise statement on its own: it takes the lease when nothing changed, and for no change of what a run decides with. */
describe('syncLeaseAcquireOnPremise', () => {
  let rt: TestRuntime;
  let accountId: string;
  let snapshot: AccountSnapshot;
  const CURSOR = '5000';
  const NOW = 1_800_000_000_000;

  beforeEach(async () => {
    rt = await startTestRuntime();
    onTestFinished(() => rt.close());
    ({ accountId } = await rt.reset('shopify', []));
    const { db } = rt.services;
    await db.update(gmailConnections).set({ historyCursor: CURSOR }).where(eq(gmailConnections.accountId, accountId));
    // A NULL setting, so that NULL → value is looked at too.
    await db.update(accounts).set({ signature: null, returnWindowDays: 30 }).where(eq(accounts.id, accountId));
    await optOut('first@example.net');
    await optOut('second@example.net');
    snapshot = await read();
  });

  const optOut = (email: string) =>
    recordOptOut(rt.services.db, rt.services.config.secrets.hashKey, accountId, email, NOW);

  async function read(): Promise<AccountSnapshot> {
    const { db } = rt.services;
    const gmail = (await getGmailConnection(db, accountId))!;
    const store = (await getStoreConnection(db, accountId))!;
    const hashes = await db.select({ hash: optOuts.addressHash }).from(optOuts).where(eq(optOuts.accountId, accountId));
    return {
      account: (await getAccount(db, accountId))!,
      gmail: { ...gmail, sealedRefreshToken: gmail.sealedRefreshToken! },
      store: { ...store, sealedCredentials: store.sealedCredentials! },
      optOutHashes: new Set(hashes.map((h) => h.hash)),
      readAt: NOW,
    };
  }

  async function takes(at = NOW): Promise<boolean> {
    const result = await syncLeaseAcquireOnPremise(rt.services.db, snapshot, CURSOR, 'lease_premise', at);
    return result.rowsAffected === 1;
  }

  it('takes the lease when nothing changed, and only once while it is held', async () => {
    expect(await takes()).toBe(true);
    const row = (await getGmailConnection(rt.services.db, accountId))!;
    expect(row).toMatchObject({ syncLeaseOwner: 'lease_premise', syncRerunRequested: false });
    expect(await takes(NOW + 1000)).toBe(false);
  });

  it('takes an expired lease (a crashed run), not a live one', async () => {
    const { db } = rt.services;
    await db.update(gmailConnections).set({ syncLeaseOwner: 'lease_other', syncLeaseUntil: NOW + 60_000 });
    expect(await takes()).toBe(false);
    await db.update(gmailConnections).set({ syncLeaseUntil: NOW - 1 });
    expect(await takes()).toBe(true);
  });

  const changes: [string, () => Promise<unknown>][] = [
    ['the cursor moved', () => rt.services.db.update(gmailConnections).set({ historyCursor: '5001' })],
    ['paused', () => rt.services.db.update(accounts).set({ paused: true })],
    ['a NULL setting set', () => rt.services.db.update(accounts).set({ signature: 'New' })],
    ['a setting cleared', () => rt.services.db.update(accounts).set({ returnWindowDays: null })],
    ['the kinds to draft', () => rt.services.db.update(accounts).set({ draftKinds: 'returns' })],
    ['a policy edited', () => rt.services.db.update(accounts).set({ policyReturns: 'Thirty days.' })],
    ['Gmail reconnected', () => rt.services.db.update(gmailConnections).set({ sealedRefreshToken: 'v1.other' })],
    ['Gmail reconnect needed', () => rt.services.db.update(gmailConnections).set({ status: 'reconnect_needed' })],
    ['the store reconnected', () => rt.services.db.update(storeConnections).set({ id: 'store_new' })],
    ['the store uninstalled', () => rt.services.db.update(storeConnections).set({ status: 'uninstalled' })],
    // The run's order source starts from the remembered row: it must not refresh with a spent token
    // or miss a status to move back from.
    ['the store frozen', () => rt.services.db.update(storeConnections).set({ status: 'shop_unavailable' })],
    ['the store token refreshed', () => rt.services.db.update(storeConnections).set({ sealedCredentials: 'v1.new' })],
    ['an opt-out added', () => optOut('third@example.net')],
    [
      'an opt-out replaced by another (as many as before)',
      async () => {
        await rt.services.db.delete(optOuts).where(eq(optOuts.addressHash, [...snapshot.optOutHashes][0]!));
        await optOut('third@example.net');
      },
    ],
  ];
  for (const [what, change] of changes) {
    it(`takes nothing once ${what}`, async () => {
      await change();
      expect(await takes()).toBe(false);
      expect((await getGmailConnection(rt.services.db, accountId))!.syncLeaseOwner).not.toBe('lease_premise');
    });
  }

  it('the store’s webhook bookkeeping is no change: drafting never reads it', async () => {
    await rt.services.db.update(storeConnections).set({ webhookStatus: 'failing', webhookCheckedAt: NOW });
    expect(await takes()).toBe(true);
  });

  it('the session epoch (a sign-out) is no change: drafting never reads it', async () => {
    await rt.services.db.update(accounts).set({ sessionEpoch: 7 });
    expect(await takes()).toBe(true);
  });
});
