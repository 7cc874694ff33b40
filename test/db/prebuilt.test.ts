import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createAccount } from '../../src/accounts/connect';
import type { Db } from '../../src/db/client';
import { prebuilt } from '../../src/db/prebuilt';
import { gmailConnections } from '../../src/db/schema';
import { runtimeForTest } from '../support/runtime';

/** db/prebuilt.ts: built once per database handle, bound per call, mapped by drizzle as before. */
describe('prebuilt statements', () => {
  const byMailbox = (db: Db, mailbox: unknown) =>
    db
      .select({ accountId: gmailConnections.accountId, cursor: gmailConnections.historyCursor })
      .from(gmailConnections)
      .where(eq(gmailConnections.mailbox, mailbox as string));
  const prebuiltByMailbox = prebuilt<ReturnType<typeof byMailbox>, { mailbox: string }>((db) =>
    byMailbox(db, sql.placeholder('mailbox')),
  );
  const setCursor = prebuilt((db: Db) =>
    db
      .update(gmailConnections)
      .set({ historyCursor: sql`${sql.placeholder('cursor')}` })
      .where(eq(gmailConnections.mailbox, sql.placeholder('mailbox'))),
  );

  async function withMailboxes(...mailboxes: string[]) {
    const rt = await runtimeForTest();
    for (const mailbox of mailboxes) {
      const accountId = await createAccount(rt.services);
      await rt.services.db.insert(gmailConnections).values({ accountId, mailbox, grantedScopes: '', connectedAt: 0 });
    }
    return rt;
  }

  it('gives the SQL and the rows of the statement built afresh, with each call’s own values', async () => {
    const { services } = await withMailboxes('a@example.com', 'b@example.com');
    const db = services.db;
    expect(prebuiltByMailbox(db, { mailbox: 'a@example.com' }).toSQL().sql).toBe(
      byMailbox(db, 'a@example.com').toSQL().sql,
    );
    // Interleaved calls: each keeps its own values.
    const a = prebuiltByMailbox(db, { mailbox: 'a@example.com' });
    const b = prebuiltByMailbox(db, { mailbox: 'b@example.com' });
    const [rowsB, rowsA] = await db.batch([b, a]);
    expect(rowsA).toEqual(await byMailbox(db, 'a@example.com'));
    expect(rowsB).toEqual(await byMailbox(db, 'b@example.com'));
    expect(rowsA).toHaveLength(1);
    expect(rowsA[0]!.accountId).not.toBe(rowsB[0]!.accountId);
  });

  it('runs awaited on its own as well as in a batch', async () => {
    const { services } = await withMailboxes('a@example.com', 'b@example.com');
    const db = services.db;
    const result = await setCursor(db, { mailbox: 'a@example.com', cursor: '42' });
    expect(result.rowsAffected).toBe(1);
    await db.batch([setCursor(db, { mailbox: 'b@example.com', cursor: '7' })]);
    expect(await prebuiltByMailbox(db, { mailbox: 'a@example.com' })).toMatchObject([{ cursor: '42' }]);
    expect(await prebuiltByMailbox(db, { mailbox: 'b@example.com' })).toMatchObject([{ cursor: '7' }]);
  });

  it('is built for each database handle apart', async () => {
    const one = await withMailboxes('a@example.com');
    const two = await withMailboxes('b@example.com');
    expect(await prebuiltByMailbox(one.services.db, { mailbox: 'a@example.com' })).toHaveLength(1);
    expect(await prebuiltByMailbox(two.services.db, { mailbox: 'a@example.com' })).toHaveLength(0);
    expect(await prebuiltByMailbox(two.services.db, { mailbox: 'b@example.com' })).toHaveLength(1);
  });

  it('refuses a call that leaves a placeholder without a value', async () => {
    const { services } = await withMailboxes('a@example.com');
    expect(() => setCursor(services.db, { mailbox: 'a@example.com' })).toThrow(/placeholder "cursor"/);
  });
});
