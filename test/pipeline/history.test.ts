import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { advanceHistoryCursor } from '../../src/db/accounts';
import { accounts, gmailConnections } from '../../src/db/schema';
import { GmailApiError } from '../../src/google/gmail';
import { RECOVERY_LIMIT } from '../../src/pipeline/history-pages';
import { syncAccount } from '../../src/pipeline/sync';
import { question, pipelineForTest, type PipelineRuntime } from '../support/pipeline';

describe('history: the cursor', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  const cursor = async () => (await p.connection())!.historyCursor!;

  it('compares uint64 historyIds exactly, beyond what a JS number can hold', async () => {
    // 2^53 + 1 and 2^53 are the same JS number; as history ids they differ.
    await p.rt.services.db
      .update(gmailConnections)
      .set({ historyCursor: '9007199254740992' })
      .where(eq(gmailConnections.accountId, p.accountId));
    expect(Number('9007199254740993')).toBe(Number('9007199254740992'));
    expect(await advanceHistoryCursor(p.rt.services.db, p.accountId, '9007199254740993')).toBe(true);
    expect(await advanceHistoryCursor(p.rt.services.db, p.accountId, '9007199254740992')).toBe(false);
    expect(await cursor()).toBe('9007199254740993');
  });

  it('moves to the historyId history.list reported after a complete sync', async () => {
    p.deliver(question(1));
    const listed = p.google.historyId(p.mailbox);
    await syncAccount(p.rt.services, p.accountId);
    // (Our own draft then moved the mailbox on; drafts are not inbox mail, so that is fine.)
    expect(await cursor()).toBe(listed);
  });

  it('does not move past a message that failed; the retry drafts the rest and nothing twice', async () => {
    const start = await cursor();
    p.deliver(question(1));
    const second = p.deliver(question(2));
    p.deliver(question(3));
    // Gmail fails once on the second message.
    let failed = false;
    const open = p.rt.services.openMailbox;
    p.rt.services.openMailbox = (token) => {
      const mailbox = open(token);
      return {
        ...mailbox,
        getMessageMeta: async (id) => {
          if (id === second.id && !failed) {
            failed = true;
            throw new GmailApiError(500, 'backendError', null);
          }
          return mailbox.getMessageMeta(id);
        },
      };
    };
    await expect(syncAccount(p.rt.services, p.accountId)).rejects.toMatchObject({ status: 500 });
    expect(await cursor()).toBe(start);
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 1, 'error:gmail_unavailable': 1 });
    expect((await p.connection())!.syncLeaseOwner).toBeNull();

    const listed = p.google.historyId(p.mailbox);
    await syncAccount(p.rt.services, p.accountId);
    expect(p.google.drafts(p.mailbox)).toHaveLength(3);
    expect(new Set(p.google.drafts(p.mailbox).map((d) => d.threadId)).size).toBe(3);
    expect(await cursor()).toBe(listed);
  });

  it('stops at its budget past the last handled record, and queues the rest', async () => {
    const ids = [1, 2, 3, 4, 5].map((n) => p.deliver(question(n)));
    const result = await syncAccount(p.rt.services, p.accountId, { maxMessages: 2 });
    expect(result).toMatchObject({ status: 'synced', seen: 2, drafted: 2 });
    expect(await cursor()).toBe(ids[1]!.historyId);
    expect(p.rt.queueMessages).toEqual([JSON.stringify({ accountId: p.accountId })]);
    await p.rt.settle();
    expect(p.google.drafts(p.mailbox)).toHaveLength(5);
    expect(BigInt(await cursor())).toBeGreaterThan(BigInt(ids[4]!.historyId));
    expect(await p.counters()).toMatchObject({ seen: 5, drafted: 5 });
  });

  it('reads every page of history.list and ends at the mailbox historyId', async () => {
    // Paused: each message is counted and skipped unread, so 120 of them cost nothing but the listing.
    await p.rt.services.db.update(accounts).set({ paused: true }).where(eq(accounts.id, p.accountId));
    for (let n = 0; n < 120; n++) p.deliver(question(n));
    await syncAccount(p.rt.services, p.accountId, { maxMessages: 500 });
    expect(p.google.calls(p.mailbox)['history.list']).toBe(2);
    expect(await p.counters()).toMatchObject({ seen: 120, 'skipped:paused': 120 });
    expect(await cursor()).toBe(p.google.historyId(p.mailbox));
  });
});

describe('history: a cursor Gmail no longer knows (404)', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  it('recovers through a bounded messages.list: drafts what is unanswered, once, and moves the cursor on', async () => {
    const first = p.deliver(question('first'));
    await syncAccount(p.rt.services, p.accountId);
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);

    // A week without syncs: Gmail dropped the history our cursor points into.
    const later = Array.from({ length: RECOVERY_LIMIT + 4 }, (_, n) => p.deliver(question(`later${n}`)));
    p.google.expireHistory(p.mailbox);
    const listed = p.google.historyId(p.mailbox);
    const result = await syncAccount(p.rt.services, p.accountId);

    expect(result).toMatchObject({ status: 'synced', seen: RECOVERY_LIMIT });
    expect(p.google.calls(p.mailbox)['messages.list']).toBe(1);
    const drafted = new Set(p.google.drafts(p.mailbox).map((d) => d.threadId));
    // The newest RECOVERY_LIMIT messages were looked at; the oldest unanswered ones are beyond the bound.
    for (const m of later.slice(-RECOVERY_LIMIT)) expect(drafted.has(m.threadId)).toBe(true);
    for (const m of later.slice(0, 4)) expect(drafted.has(m.threadId)).toBe(false);
    expect(drafted.has(first.threadId)).toBe(true);
    expect(p.google.drafts(p.mailbox)).toHaveLength(1 + RECOVERY_LIMIT);
    expect((await p.connection())!.historyCursor).toBe(listed);

    // Back to normal: the next sync reads history again, and drafts nothing twice.
    const next = p.deliver(question('next'));
    await syncAccount(p.rt.services, p.accountId);
    expect(p.google.drafts(p.mailbox).filter((d) => d.threadId === next.threadId)).toHaveLength(1);
    expect(p.google.drafts(p.mailbox)).toHaveLength(2 + RECOVERY_LIMIT);
  });

  it('re-reads nothing already drafted when recovery comes right after a normal sync', async () => {
    p.deliver(question(1));
    p.deliver(question(2));
    await syncAccount(p.rt.services, p.accountId);
    p.google.expireHistory(p.mailbox);
    await syncAccount(p.rt.services, p.accountId);
    expect(p.google.drafts(p.mailbox)).toHaveLength(2);
    expect(await p.counters()).toMatchObject({ drafted: 2, 'skipped:already_drafted': 2 });
  });
});
