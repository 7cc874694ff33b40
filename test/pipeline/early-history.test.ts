import { beforeEach, describe, expect, it } from 'vitest';
import type { GmailMailbox } from '../../src/google/gmail';
import { consumeSyncBatch } from '../../src/pipeline/consume';
import { pipelineForTest, type PipelineRuntime, question } from '../support/pipeline';

/**
 * A push to a mailbox this isolate synced before reads its first history page before any database
 * round trip (src/pipeline/known-cursors.ts). The page is a hint: it is used only when the lease's
 * premise or read finds the same cursor and refresh token, so nothing is drafted twice or missed
 * when another isolate moved the cursor or the mailbox was reconnected (test/pipeline/lease-on-premise.test.ts).
 */
describe('history read early, before the lease', () => {
  let p: PipelineRuntime;
  let events: string[];
  let listedFrom: string[];
  beforeEach(async () => {
    p = await pipelineForTest();
    events = [];
    listedFrom = [];
    const s = p.rt.services;
    const open = s.openMailbox.bind(s);
    s.openMailbox = (token) => {
      const mailbox = open(token);
      return {
        ...mailbox,
        listHistory: (from, pageToken) => {
          events.push('history.list');
          if (!pageToken) listedFrom.push(from);
          return mailbox.listHistory(from, pageToken);
        },
      } satisfies GmailMailbox;
    };
    // Each database round trip takes 30 ms, as Turso from a Worker might: long enough to see what
    // runs beside it.
    const batch = s.db.batch.bind(s.db);
    s.db.batch = (async (...args: Parameters<typeof batch>) => {
      events.push('db');
      await new Promise((r) => setTimeout(r, 30));
      const results = await batch(...args);
      events.push('db done');
      return results;
    }) as unknown as typeof batch;
  });

  /** Delivers a customer's email and consumes its push as the queue would. */
  async function pushed(n: number) {
    p.deliver(question(n));
    const body = { mailboxKey: (await p.connection())!.mailboxKey!, historyId: p.google.historyId(p.mailbox) };
    events.length = 0;
    listedFrom.length = 0;
    await consumeSyncBatch(p.rt.services, [{ body, attempts: 1, ack: () => undefined, retry: () => undefined }], {
      sleep: async () => undefined,
    });
  }

  /** The first email pushed and drafted: the hint this isolate keeps for the mailbox, and its key. */
  async function hintAfterFirstEmail() {
    await pushed(1);
    const key = (await p.connection())!.mailboxKey!;
    return { key, known: p.rt.services.knownCursors.get(key)! };
  }

  it('a warm mailbox: history.list comes first, once, and the email is drafted in two round trips', async () => {
    await pushed(1);
    // Cold: nothing known, so the lease's read comes first.
    expect(events.slice(0, 3)).toEqual(['db', 'db done', 'history.list']);
    const cursor = (await p.connection())!.historyCursor!;
    expect(p.rt.services.knownCursors.get((await p.connection())!.mailboxKey!)?.cursor).toBe(cursor);

    await pushed(2);
    // Warm: the remembered account stands in for the read; the lease is taken on that premise
    // before the body is downloaded, and let go with the last writes.
    expect(events[0]).toBe('history.list');
    expect(events.filter((e) => e === 'db')).toHaveLength(2);
    expect(listedFrom).toEqual([cursor]);
    expect(p.google.drafts(p.mailbox)).toHaveLength(2);
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 2 });
  });

  it('a hint another isolate made stale (the cursor moved on): the early page is dropped and read again', async () => {
    const { key, known } = await hintAfterFirstEmail();
    // As if another isolate had handled mail since: this isolate's hint is behind the stored cursor.
    p.rt.services.knownCursors.set(key, { ...known, cursor: String(BigInt(known.cursor) - 1n) });
    await pushed(2);
    expect(listedFrom).toEqual([String(BigInt(known.cursor) - 1n), known.cursor]);
    expect(p.google.drafts(p.mailbox)).toHaveLength(2);
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 2 });
  });

  it('a hint for a replaced grant (the mailbox reconnected): never used, and its failure costs nothing', async () => {
    const { key, known } = await hintAfterFirstEmail();
    p.rt.services.knownCursors.set(key, { ...known, sealedRefreshToken: 'v1.not-a-sealed-token' });
    await pushed(2);
    expect(listedFrom).toEqual([known.cursor]);
    expect(p.google.drafts(p.mailbox)).toHaveLength(2);
    expect(p.rt.logs.filter((l) => l.includes('"event":"queue.retry"'))).toEqual([]);
  });
});
