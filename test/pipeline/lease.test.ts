import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  acquireSyncLease,
  finishSyncRun,
  LEASE_TRUST_MS,
  leaseKeeper,
  releaseSyncLease,
  renewSyncLease,
  requestSyncRerun,
  SYNC_LEASE_TTL_MS,
} from '../../src/db/lease';
import { gmailConnections } from '../../src/db/schema';
import { connectGmail } from '../../src/accounts/connect';
import { disconnectGmail } from '../../src/accounts/disconnect';
import { GMAIL_SCOPES } from '../../src/google/oauth';
import { syncAccount, type SyncResult } from '../../src/pipeline/sync';
import { customerMail, question, pipelineForTest, type PipelineRuntime } from '../support/pipeline';

describe('sync lease: one sync per account at a time', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  const db = () => p.rt.services.db;
  const setLease = (owner: string | null, until: number | null) =>
    db()
      .update(gmailConnections)
      .set({ syncLeaseOwner: owner, syncLeaseUntil: until })
      .where(eq(gmailConnections.accountId, p.accountId));

  /** The model's `nth` call outlasts the lease: it expires and another run takes it meanwhile. */
  function leaseTakenDuringModelCall(nth = 1) {
    const writer = p.rt.services.replyWriter;
    let calls = 0;
    p.rt.services.replyWriter = {
      write: async (input, problem) => {
        if (++calls === nth) {
          const later = Date.now() + SYNC_LEASE_TTL_MS + 1_000;
          p.rt.services.now = () => later;
          await setLease('other-run', later + 60_000);
        }
        return writer.write(input, problem);
      },
    };
  }

  it('is taken by one owner, asked for a rerun by others, and released by its holder', async () => {
    const now = 1_000_000;
    expect(await acquireSyncLease(db(), p.accountId, 'a', now)).toBe(true);
    expect(await acquireSyncLease(db(), p.accountId, 'b', now + 1)).toBe(false);
    expect(await requestSyncRerun(db(), p.accountId, now + 1)).toBe(true);
    expect((await p.connection())!.syncRerunRequested).toBe(true);
    // The holder finds the request, clears it and runs again; the second time it lets go.
    expect(await finishSyncRun(db(), p.accountId, 'a', now + 2)).toBe('rerun');
    expect((await p.connection())!.syncRerunRequested).toBe(false);
    expect(await finishSyncRun(db(), p.accountId, 'a', now + 3)).toBe('released');
    expect((await p.connection())!).toMatchObject({ syncLeaseOwner: null, syncLeaseUntil: null });
    // Free again: a rerun request finds nobody to ask, and the next caller takes the lease.
    expect(await requestSyncRerun(db(), p.accountId, now + 4)).toBe(false);
    expect(await acquireSyncLease(db(), p.accountId, 'b', now + 4)).toBe(true);
  });

  it('is taken over once it expires, and the old holder learns it lost it', async () => {
    const now = 2_000_000;
    expect(await acquireSyncLease(db(), p.accountId, 'a', now)).toBe(true);
    expect(await renewSyncLease(db(), p.accountId, 'a', now + 1000)).toBe(true);
    expect(await acquireSyncLease(db(), p.accountId, 'b', now + 1000 + SYNC_LEASE_TTL_MS)).toBe(false);
    expect(await acquireSyncLease(db(), p.accountId, 'b', now + 1001 + SYNC_LEASE_TTL_MS)).toBe(true);
    expect(await renewSyncLease(db(), p.accountId, 'a', now + 2000 + SYNC_LEASE_TTL_MS)).toBe(false);
    expect(await finishSyncRun(db(), p.accountId, 'a', now + 2000 + SYNC_LEASE_TTL_MS)).toBe('lost');
    expect((await p.connection())!.syncLeaseOwner).toBe('b');
  });

  it('is trusted without a database round trip for a fifth of its time, then renewed, and a lost one is noticed', async () => {
    const t0 = 3_000_000;
    let clock = t0;
    expect(await acquireSyncLease(db(), p.accountId, 'a', t0)).toBe(true);
    const keep = leaseKeeper(db(), p.accountId, 'a', () => clock, t0);
    const until = async () => (await p.connection())!.syncLeaseUntil;

    clock = t0 + LEASE_TRUST_MS - 1;
    expect(await keep()).toBe(true);
    expect(await until()).toBe(t0 + SYNC_LEASE_TTL_MS); // not renewed: nobody could have taken it yet

    clock = t0 + LEASE_TRUST_MS;
    expect(await keep()).toBe(true);
    expect(await until()).toBe(clock + SYNC_LEASE_TTL_MS);

    // It expires and another run takes it: the next renewal says so.
    clock += SYNC_LEASE_TTL_MS + 1;
    expect(await acquireSyncLease(db(), p.accountId, 'b', clock)).toBe(true);
    expect(await keep()).toBe(false);
  });

  it('tells the releasing holder when a rerun was asked for and is now nobody’s', async () => {
    expect(await acquireSyncLease(db(), p.accountId, 'a', 5)).toBe(true);
    expect(await releaseSyncLease(db(), p.accountId, 'a')).toEqual({ rerunPending: false });
    expect(await acquireSyncLease(db(), p.accountId, 'a', 6)).toBe(true);
    expect(await requestSyncRerun(db(), p.accountId, 7)).toBe(true);
    expect(await releaseSyncLease(db(), p.accountId, 'a')).toEqual({ rerunPending: true });
    expect((await p.connection())!).toMatchObject({ syncLeaseOwner: null, syncRerunRequested: false });
  });

  it('50 concurrent triggers for one account leave exactly one draft per thread', async () => {
    const threads = [1, 2, 3, 4, 5].map((n) => p.deliver(question(n)).threadId);
    // The same customer writes again in thread 1: still one draft there.
    p.deliver(question('1b', { subject: 'Re: Question 1', inReplyTo: '<q1@example.net>' }));
    // Real calls take time (the model seconds, drafts.create a few hundred ms): without the lease,
    // runs overlap there and each drafts the same thread.
    const pause = () => new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    const writer = p.rt.services.replyWriter;
    p.rt.services.replyWriter = { write: async (i, pr) => (await pause(), writer.write(i, pr)) };
    const open = p.rt.services.openMailbox;
    p.rt.services.openMailbox = (token) => {
      const mailbox = open(token);
      return { ...mailbox, createDraft: async (t, raw) => (await pause(), mailbox.createDraft(t, raw)) };
    };

    const results: Promise<SyncResult | void>[] = [];
    for (let i = 0; i < 50; i++) {
      results.push(
        i % 2 === 0 ? syncAccount(p.rt.services, p.accountId) : p.rt.services.queue.send({ accountId: p.accountId }),
      );
    }
    const direct = (await Promise.all(results)).filter((r): r is SyncResult => !!r);
    await p.rt.settle();

    const drafts = p.google.drafts(p.mailbox);
    expect(drafts).toHaveLength(5);
    expect(new Set(drafts.map((d) => d.threadId))).toEqual(new Set(threads));
    // One caller ran; the others found it running, asked for a rerun and returned at once.
    expect(direct.filter((r) => r.status === 'synced').length).toBeGreaterThanOrEqual(1);
    expect(direct.filter((r) => r.status === 'busy').length).toBeGreaterThan(20);
    expect(await p.counters()).toMatchObject({ drafted: 5 });
    expect((await p.connection())!).toMatchObject({
      syncLeaseOwner: null,
      syncLeaseUntil: null,
      syncRerunRequested: false,
    });
  });

  it('the holder runs once more for a trigger that arrived while it worked', async () => {
    p.deliver(question(1));
    const writer = p.rt.services.replyWriter;
    let during: SyncResult | undefined;
    p.rt.services.replyWriter = {
      write: async (input, problem) => {
        if (!during) {
          // Mail arrives and its trigger fires while the first run is busy with the model.
          p.deliver(question(2));
          during = await syncAccount(p.rt.services, p.accountId);
        }
        return writer.write(input, problem);
      },
    };
    const result = await syncAccount(p.rt.services, p.accountId);
    expect(during).toEqual({ status: 'busy' });
    expect(result).toMatchObject({ status: 'synced', drafted: 2, runs: 2 });
    expect(p.google.drafts(p.mailbox)).toHaveLength(2);
    expect(p.rt.queueMessages).toHaveLength(0);
  });

  it('writes no draft when its lease was taken over while the model was slow', async () => {
    p.deliver(question(1));
    const cursor = (await p.connection())!.historyCursor;
    leaseTakenDuringModelCall();
    expect(await syncAccount(p.rt.services, p.accountId)).toEqual({ status: 'skipped', reason: 'lease_lost' });
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    expect((await p.connection())!).toMatchObject({ historyCursor: cursor, syncLeaseOwner: 'other-run' });
    // The run that took over handles the message again and counts it: this one counted nothing.
    expect((await p.counters()).seen).toBeUndefined();
  });

  it('a lease lost on the second page: the first page’s cursor and counts stay, the rest is the new holder’s', async () => {
    p.deliver(
      customerMail({
        from: 'Carrier News <news@carrier.example>',
        subject: 'News',
        body: 'Read all about it.',
        messageId: '<news1@carrier.example>',
        extraHeaders: ['List-Unsubscribe: <mailto:unsubscribe@carrier.example>', 'Precedence: bulk'],
      }),
    );
    p.deliver(question(2));
    // Gmail hands the two records over on two pages.
    const open = p.rt.services.openMailbox;
    p.rt.services.openMailbox = (token) => {
      const mailbox = open(token);
      return {
        ...mailbox,
        listHistory: async (from, pageToken) => {
          const page = await mailbox.listHistory(from);
          if (!pageToken && page.records.length > 1) {
            const first = page.records[0]!;
            return { ...page, records: [first], nextPageToken: 'p2', lastRecordId: first.historyId };
          }
          return pageToken === 'p2' ? { ...page, records: page.records.slice(1) } : page;
        },
      };
    };
    leaseTakenDuringModelCall();
    expect(await syncAccount(p.rt.services, p.accountId)).toEqual({ status: 'skipped', reason: 'lease_lost' });
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    // The newsletter's page is behind the cursor, counted; the question is the new holder's to count.
    expect(await p.counters()).toEqual({ seen: 1, 'skipped:bulk': 1 });
  });

  it('a lease lost after a draft: the draft is still counted (the new holder finds it already drafted)', async () => {
    p.deliver(question(2));
    p.deliver(question(3));
    leaseTakenDuringModelCall(2);
    expect(await syncAccount(p.rt.services, p.accountId)).toEqual({ status: 'skipped', reason: 'lease_lost' });
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    expect(await p.counters()).toEqual({ drafted: 1 });
  });

  it('a disconnect while the model writes: no draft, no cursor written, and the connection is not marked for reconnection', async () => {
    p.deliver(question(1));
    const writer = p.rt.services.replyWriter;
    p.rt.services.replyWriter = {
      write: async (input, problem) => {
        await disconnectGmail(p.rt.services, p.accountId);
        return writer.write(input, problem);
      },
    };
    expect(await syncAccount(p.rt.services, p.accountId)).toEqual({ status: 'skipped', reason: 'lease_lost' });
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    expect((await p.connection())!).toMatchObject({
      status: 'disconnected',
      historyCursor: null,
      syncLeaseOwner: null,
    });
  });

  it('a reconnect to another mailbox while the model writes: the old run loses its lease and its cursor never lands on the new one', async () => {
    p.deliver(question(1));
    const other = 'other-shop@example.com';
    const writer = p.rt.services.replyWriter;
    p.rt.services.replyWriter = {
      write: async (input, problem) => {
        const scopes = Object.values(GMAIL_SCOPES);
        const refreshToken = p.google.issueRefreshToken(other, scopes);
        await connectGmail(p.rt.services, {
          accountId: p.accountId,
          mailbox: other,
          refreshToken,
          grantedScopes: scopes,
        });
        // Gmail's historyIds are per mailbox: the new one's may well be far behind the old one's.
        await db()
          .update(gmailConnections)
          .set({ historyCursor: '2' })
          .where(eq(gmailConnections.accountId, p.accountId));
        return writer.write(input, problem);
      },
    };
    // The run ends on the old mailbox (its grant is not revoked: a draft there is in that mailbox's
    // own thread), but none of its writes reach the new connection's row.
    await syncAccount(p.rt.services, p.accountId);
    const row = (await p.connection())!;
    expect(row).toMatchObject({ mailbox: other, syncLeaseOwner: null, historyCursor: '2' });
  });

  it('waits for a live lease held by a crashed run, and takes it over once expired', async () => {
    p.deliver(question(1));
    await setLease('crashed-run', Date.now() + 60_000);
    expect(await syncAccount(p.rt.services, p.accountId)).toEqual({ status: 'busy' });
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    expect((await p.connection())!.syncRerunRequested).toBe(true);

    await setLease('crashed-run', Date.now() - 1);
    expect(await syncAccount(p.rt.services, p.accountId)).toMatchObject({ status: 'synced', drafted: 1 });
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
  });
});
