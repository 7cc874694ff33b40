import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/accounts/connect';
import { advanceHistoryCursor, getGmailConnection } from '../../src/db/accounts';
import { gmailConnections } from '../../src/db/schema';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

describe('history cursor', () => {
  let rt: TestRuntime;
  let accountId: string;
  beforeAll(async () => {
    rt = await startTestRuntime();
    accountId = await createAccount(rt.services);
    await rt.services.db
      .insert(gmailConnections)
      .values({ accountId, mailbox: 'm@example.com', grantedScopes: '', connectedAt: 0 });
  });
  afterAll(() => rt.close());

  const cursor = async () => (await getGmailConnection(rt.services.db, accountId))!.historyCursor;

  it('only moves forward, comparing uint64 values as numbers, not as text', async () => {
    expect(await advanceHistoryCursor(rt.services.db, accountId, '999')).toBe(true);
    expect(await advanceHistoryCursor(rt.services.db, accountId, '1000')).toBe(true); // '1000' < '999' as text
    expect(await advanceHistoryCursor(rt.services.db, accountId, '999')).toBe(false);
    expect(await advanceHistoryCursor(rt.services.db, accountId, '1000')).toBe(false);
    expect(await cursor()).toBe('1000');
    expect(await advanceHistoryCursor(rt.services.db, accountId, '18446744073709551615')).toBe(true);
    expect(await advanceHistoryCursor(rt.services.db, accountId, '9223372036854775807')).toBe(false);
    expect(await cursor()).toBe('18446744073709551615');
  });

  it('refuses values that are not decimal uint64', async () => {
    for (const bad of ['', '0012', '-5', '1e9', "1' OR 1=1", '123456789012345678901']) {
      await expect(advanceHistoryCursor(rt.services.db, accountId, bad)).rejects.toThrow(RangeError);
    }
  });

  it('ends at the largest value under concurrent updates, whatever their order', async () => {
    const other = await createAccount(rt.services);
    await rt.services.db
      .insert(gmailConnections)
      .values({ accountId: other, mailbox: 'o@example.com', grantedScopes: '', connectedAt: 0 });
    const values = Array.from({ length: 50 }, (_, i) => String(9_000_000n + BigInt(i) * 997n)).sort(
      () => Math.random() - 0.5,
    );
    await Promise.all(values.map((v) => advanceHistoryCursor(rt.services.db, other, v)));
    expect((await getGmailConnection(rt.services.db, other))!.historyCursor).toBe(String(9_000_000n + 49n * 997n));
  });
});
