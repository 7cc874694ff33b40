import { eq } from 'drizzle-orm';
import PostalMime from 'postal-mime';
import { beforeEach, describe, expect, it } from 'vitest';
import { recordOptOut } from '../../src/compliance/opt-out';
import { accounts, gmailConnections } from '../../src/db/schema';
import type { GmailMailbox } from '../../src/google/gmail';
import { consumeSyncBatch } from '../../src/pipeline/consume';
import { customerMail, pipelineForTest, type PipelineRuntime, question } from '../support/pipeline';

/**
 * A push to a mailbox this isolate synced before starts from the account as that sync read it
 * (src/db/lease-on-premise.ts) and takes the lease on the premise that nothing changed: a skip
 * costs one database round trip. Whatever changed since (a resumed account, an opt-out, a setting,
 * another isolate's sync) fails the premise, and the push is synced as usual, counted once.
 */
describe('lease on a premise', () => {
  let p: PipelineRuntime;
  let trips: number;
  let downloaded: string[];
  beforeEach(async () => {
    p = await pipelineForTest();
    const s = p.rt.services;
    const open = s.openMailbox.bind(s);
    downloaded = [];
    s.openMailbox = (token) => {
      const mailbox = open(token);
      return {
        ...mailbox,
        getRawMessage: (id) => (downloaded.push(id), mailbox.getRawMessage(id)),
      } satisfies GmailMailbox;
    };
    trips = 0;
    const batch = s.db.batch.bind(s.db);
    s.db.batch = ((...args: Parameters<typeof batch>) => (trips++, batch(...args))) as unknown as typeof batch;
    // The first push: drafted the usual way, and the account remembered.
    await pushed(question(1));
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
  });

  /** Delivers a mail and consumes its push as the queue would; the database round trips it took. */
  async function pushed(raw: string): Promise<{ id: string; trips: number }> {
    const { id } = p.deliver(raw);
    const body = { mailboxKey: (await p.connection())!.mailboxKey!, historyId: p.google.historyId(p.mailbox) };
    const before = trips;
    await consumeSyncBatch(p.rt.services, [{ body, attempts: 1, ack: () => undefined, retry: () => undefined }], {
      sleep: async () => undefined,
    });
    return { id, trips: trips - before };
  }

  const newsletter = (n: number) =>
    customerMail({
      from: 'Carrier News <news@carrier.example>',
      subject: `News ${n}`,
      body: 'Read all about it.',
      messageId: `<news${n}@carrier.example>`,
      extraHeaders: ['List-Unsubscribe: <mailto:unsubscribe@carrier.example>', 'Precedence: bulk'],
    });

  it('a skip on a warm mailbox: one round trip moves the cursor and counts it, the notification too', async () => {
    const counted = await p.counters();
    const { trips } = await pushed(newsletter(1));
    expect(trips).toBe(1);
    expect((await p.connection())!.historyCursor).toBe(p.google.historyId(p.mailbox));
    expect((await p.connection())!.syncLeaseOwner).toBeNull();
    expect(p.rt.logs.filter((l) => l.includes('"event":"sync.done"')).at(-1)).toContain('"mode":"on_premise"');
    expect(await p.counters()).toMatchObject({
      notifications: counted.notifications! + 1,
      seen: counted.seen! + 1,
      'skipped:bulk': 1,
    });
  });

  it('resumed since it was remembered paused: the premise fails and the email is drafted, counted once', async () => {
    await p.rt.services.db.update(accounts).set({ paused: true }).where(eq(accounts.id, p.accountId));
    await pushed(question(2)); // read paused: remembered paused
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    await p.rt.services.db.update(accounts).set({ paused: false }).where(eq(accounts.id, p.accountId));

    const { trips } = await pushed(question(3));
    expect(trips).toBeGreaterThan(1);
    expect(p.google.drafts(p.mailbox)).toHaveLength(2);
    const counters = await p.counters();
    expect(counters).toMatchObject({ seen: 3, drafted: 2, 'skipped:paused': 1, notifications: 3 });
    expect(p.rt.logs.some((l) => l.includes('"event":"sync.premise_failed"'))).toBe(true);
  });

  it('a customer who opted out since: their email is never downloaded, nor drafted', async () => {
    await recordOptOut(
      p.rt.services.db,
      p.rt.services.config.secrets.hashKey,
      p.accountId,
      'jane@example.net',
      Date.now(),
    );
    const { id } = await pushed(question(2));
    expect(downloaded).not.toContain(id);
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 1, 'skipped:opted_out': 1 });
  });

  it('a setting changed since: the draft is written with the new one', async () => {
    await p.rt.services.db
      .update(accounts)
      .set({ signature: 'Changed Signature Line' })
      .where(eq(accounts.id, p.accountId));
    await pushed(question(2));
    const drafts = p.google.drafts(p.mailbox);
    expect(drafts).toHaveLength(2);
    expect((await PostalMime.parse(drafts[1]!.raw)).text).toContain('Changed Signature Line');
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 2 });
  });

  it('another isolate synced since (the cursor moved on): the skip is counted once, the cursor at the end', async () => {
    const key = (await p.connection())!.mailboxKey!;
    const known = p.rt.services.knownCursors.get(key)!;
    p.rt.services.knownCursors.set(key, { ...known, cursor: String(BigInt(known.cursor) - 1n) });
    await pushed(newsletter(1));
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 1, 'skipped:bulk': 1, notifications: 2 });
    expect((await p.connection())!.historyCursor).toBe(p.google.historyId(p.mailbox));
  });

  it('a run holding the lease meanwhile: the premise fails, that run is asked to run once more', async () => {
    const s = p.rt.services;
    await s.db.update(gmailConnections).set({ syncLeaseOwner: 'lease_other', syncLeaseUntil: Date.now() + 60_000 });
    const cursor = (await p.connection())!.historyCursor;
    await pushed(newsletter(1));
    const after = (await p.connection())!;
    expect(after.historyCursor).toBe(cursor); // the holder moves it, not us
    expect(after.syncRerunRequested).toBe(true);
    expect((await p.counters())['skipped:bulk']).toBeUndefined();
  });
});
