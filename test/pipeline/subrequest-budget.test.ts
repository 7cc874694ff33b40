import { beforeEach, describe, expect, it } from 'vitest';
import { gmailConnections } from '../../src/db/schema';
import { consumeSyncBatch } from '../../src/pipeline/consume';
import { MAX_HISTORY_PAGES } from '../../src/pipeline/history-pages';
import { MESSAGE_SUBREQUEST_RESERVE, syncAccount } from '../../src/pipeline/sync';
import { metered } from '../../src/platform/subrequests';
import { deliveryRecorder } from '../support/deliveries';
import { question, pipelineForTest, type PipelineRuntime } from '../support/pipeline';

/**
 * Workers counts every outgoing request of an invocation (subrequests): a sync counts its own and
 * hands what is left to a new queue message before the next message could overrun its budget.
 */
const noSleep = { sleep: async () => undefined };

describe('the subrequest budget', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  /** The follow-up was queued ({accountId} only); the local queue runs it, with the default budgets, and every mail gets one draft. */
  const expectHandedOverAndAllDrafted = async (threads: string[]) => {
    expect(p.rt.queueMessages.map((m) => JSON.parse(m))).toContainEqual({ accountId: p.accountId });
    await p.rt.settle();
    expect(
      p.google
        .drafts(p.mailbox)
        .map((d) => d.threadId)
        .sort(),
    ).toEqual([...threads].sort());
  };

  /**
   * Every history.list answers with no new message and a nextPageToken (a real call, so the meter
   * counts it); the n-th page's last record id comes from `lastRecordId`.
   */
  const endlessHistoryPages = (lastRecordId: (n: number) => string | null) => {
    const read = { pages: 0 };
    const open = p.rt.services.openMailbox;
    p.rt.services.openMailbox = (token) => {
      const mailbox = open(token);
      return {
        ...mailbox,
        listHistory: async (from) => {
          const page = await mailbox.listHistory(from);
          read.pages++;
          return { ...page, records: [], nextPageToken: `p${read.pages}`, lastRecordId: lastRecordId(read.pages) };
        },
      };
    };
    return read;
  };

  const done = () =>
    p.rt.logs.map((l) => JSON.parse(l) as Record<string, number | string>).filter((e) => e.event === 'sync.done');

  it('counts every outside call of a sync', async () => {
    p.deliver(question(1));
    await syncAccount(p.rt.services, p.accountId, noSleep);
    // history.list, messages.get ×2, the store, the model, the pre-draft history.list, drafts.create
    // (and a token refresh on the first call): the sandbox's fakes are reached through the same fetch.
    const [run] = done();
    expect(Number(run!.subrequests)).toBeGreaterThanOrEqual(7);
    expect(Number(run!.subrequests)).toBeLessThan(MESSAGE_SUBREQUEST_RESERVE);
  });

  it('counts a queue send as one subrequest (a call to a Cloudflare service), a batch send as one too', async () => {
    const queue = p.rt.services.queue;
    const spent = await metered(async (meter) => {
      await queue.send({ accountId: p.accountId });
      await queue.sendBatch!([{ accountId: p.accountId }, { accountId: p.accountId, job: 'renew_watch' }]);
      return meter.count;
    });
    expect(spent).toBe(2);
    expect(p.rt.queueMessages).toHaveLength(3);
  });

  it('stops before a message could overrun it, hands the rest to the queue, and every mail still gets one draft', async () => {
    const threads = Array.from({ length: 6 }, (_, i) => p.deliver(question(i + 1)).threadId);
    const budget = MESSAGE_SUBREQUEST_RESERVE + 20;
    const first = await syncAccount(p.rt.services, p.accountId, { ...noSleep, subrequestBudget: budget });
    expect(first).toMatchObject({ status: 'synced' });
    const handled = (first as { seen: number }).seen;
    expect(handled).toBeGreaterThan(0);
    expect(handled).toBeLessThan(6);
    expect(Number(done()[0]!.subrequests)).toBeLessThanOrEqual(budget);
    await expectHandedOverAndAllDrafted(threads);
  });

  it("a queue invocation's syncs share its budget: a sync within its own budget still hands over when the invocation's is spent", async () => {
    const threads = Array.from({ length: 6 }, (_, i) => p.deliver(question(i + 1)).threadId);
    const invocationBudget = MESSAGE_SUBREQUEST_RESERVE + 20;
    const settled: string[] = [];
    const delivery = {
      body: { accountId: p.accountId },
      attempts: 1,
      ack: () => void settled.push('ack'),
      retry: () => void settled.push('retry'),
    };
    // An outer meter sees everything the invocation sent.
    const spent = await metered(async (all) => {
      await consumeSyncBatch(p.rt.services, [delivery], { ...noSleep, invocationBudget, subrequestBudget: 10_000 });
      return all.count;
    });
    expect(spent).toBeLessThanOrEqual(invocationBudget);
    expect(settled).toEqual(['ack']);
    const [run] = done();
    expect(Number(run!.count)).toBeGreaterThan(0);
    expect(Number(run!.count)).toBeLessThan(6);
    await expectHandedOverAndAllDrafted(threads);
  });

  it('work the invocation has no subrequests left for goes back on the queue unstarted, as fresh copies that keep their retries and their count', async () => {
    const mailboxKey = (await p.connection())!.mailboxKey!;
    p.deliver(question(1));
    const { settled, delivery } = deliveryRecorder();
    const historyId = p.google.historyId(p.mailbox);
    const calls = p.google.calls(p.mailbox)['history.list'] ?? 0;
    const sentBefore = p.rt.queueMessages.length;
    const push = { mailboxKey, historyId };
    const job = { accountId: p.accountId, job: 'renew_watch' };
    await consumeSyncBatch(
      p.rt.services,
      [delivery('push', push), delivery('rider', push), delivery('again', push, 3), delivery('job', job, 4)],
      { ...noSleep, invocationBudget: 1 },
    );
    // Nothing ran; every delivery is settled, and a copy of each first push and of the job is queued.
    expect(p.google.calls(p.mailbox)['history.list'] ?? 0).toBe(calls);
    expect(settled.sort()).toEqual(['again:ack', 'job:ack', 'push:ack', 'rider:ack']);
    expect(p.rt.queueMessages.slice(sentBefore).map((m) => JSON.parse(m))).toEqual([job, push, push]);
    expect(p.rt.logs.filter((l) => JSON.parse(l).event === 'queue.deferred')).toHaveLength(2);
    // The copies run in the next invocation as first deliveries: both pushes are counted.
    await p.rt.settle();
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    expect(await p.counters()).toMatchObject({ notifications: 2, drafted: 1 });
  });

  it('a deferred push that was already a redelivery keeps its place by a retry; its first-time riders are copied', async () => {
    const mailboxKey = (await p.connection())!.mailboxKey!;
    const { settled, delivery } = deliveryRecorder();
    p.deliver(question(1));
    const older = { mailboxKey, historyId: p.google.historyId(p.mailbox) };
    p.deliver(question(2));
    const newest = { mailboxKey, historyId: p.google.historyId(p.mailbox) };
    const sentBefore = p.rt.queueMessages.length;
    await consumeSyncBatch(p.rt.services, [delivery('older', older), delivery('newest', newest, 2)], {
      ...noSleep,
      invocationBudget: 1,
    });
    expect(settled.sort()).toEqual(['newest:retry 0', 'older:ack']);
    expect(p.rt.queueMessages.slice(sentBefore).map((m) => JSON.parse(m))).toEqual([older]);
  });

  it('hands over between history pages too, when the pages add nothing new (each still costs a call)', async () => {
    const start = (await p.connection())!.historyCursor!;
    // Pages whose records add only messages already seen (or none) still say nextPageToken,
    // moving the cursor one record on.
    const read = endlessHistoryPages((n) => (BigInt(start) + BigInt(n)).toString());
    const pages = () => read.pages;
    const subrequestBudget = MESSAGE_SUBREQUEST_RESERVE + 5;
    const run = await syncAccount(p.rt.services, p.accountId, { ...noSleep, subrequestBudget });
    expect(run).toMatchObject({ status: 'synced', seen: 0 });
    expect(pages()).toBeGreaterThan(1);
    expect(pages()).toBeLessThan(MAX_HISTORY_PAGES);
    expect(Number(done()[0]!.subrequests)).toBeLessThanOrEqual(subrequestBudget);
    // The cursor went as far as the last page read, and the rest is the follow-up's.
    expect((await p.connection())!.historyCursor).toBe((BigInt(start) + BigInt(pages())).toString());
    expect(p.rt.queueMessages.map((m) => JSON.parse(m))).toContainEqual({ accountId: p.accountId });
  });

  it('a deferred redelivered push whose riders are redeliveries too sends nothing (Workers refuses an empty batch): it keeps its place by a retry, the riders are acked', async () => {
    const mailboxKey = (await p.connection())!.mailboxKey!;
    p.deliver(question(1));
    const push = { mailboxKey, historyId: p.google.historyId(p.mailbox) };
    const { settled, delivery } = deliveryRecorder();
    const sentBefore = p.rt.queueMessages.length;
    await consumeSyncBatch(p.rt.services, [delivery('leader', push, 2), delivery('rider', push, 3)], {
      ...noSleep,
      invocationBudget: 1,
    });
    expect(p.rt.queueMessages.length).toBe(sentBefore);
    expect(settled.sort()).toEqual(['leader:retry 0', 'rider:ack']);
  });

  it('redeliveries start first, so it is first deliveries that wait for the next invocation (a deferred redelivery would spend a retry)', async () => {
    const mailboxKey = (await p.connection())!.mailboxKey!;
    p.deliver(question(1));
    const push = { mailboxKey, historyId: p.google.historyId(p.mailbox) };
    const job = { accountId: p.accountId, job: 'renew_watch' };
    // A watch that is due: each renewal makes a call.
    await p.rt.services.db.update(gmailConnections).set({ watchExpiresAt: null });
    const { settled, delivery } = deliveryRecorder();
    // Room for the three pieces of work that start together only: once one has made a call, the
    // next in the batch is deferred.
    await consumeSyncBatch(
      p.rt.services,
      [delivery('job1', job), delivery('job2', job), delivery('job3', job), delivery('push', push, 5)],
      { ...noSleep, invocationBudget: MESSAGE_SUBREQUEST_RESERVE + 10 },
    );
    expect(settled).toContain('push:ack');
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    expect(p.rt.logs.filter((l) => JSON.parse(l).event === 'queue.deferred')).toHaveLength(1);
  });

  it('a run cut short by pages without a single history record hands nothing over (the follow-up would read the same pages)', async () => {
    const start = (await p.connection())!.historyCursor!;
    // Pages without a single record (lastRecordId null), with more to come.
    const read = endlessHistoryPages(() => null);
    const run = await syncAccount(p.rt.services, p.accountId, noSleep);
    expect(run).toMatchObject({ status: 'synced', seen: 0 });
    expect(read.pages).toBe(MAX_HISTORY_PAGES);
    expect((await p.connection())!.historyCursor).toBe(start);
    expect(p.rt.queueMessages.map((m) => JSON.parse(m))).not.toContainEqual({ accountId: p.accountId });
  });

  it('a budget too small for any message still handles one per run, so the hand-over never loops empty', async () => {
    p.deliver(question(1));
    p.deliver(question(2));
    const run = await syncAccount(p.rt.services, p.accountId, { ...noSleep, subrequestBudget: 1 });
    expect(run).toMatchObject({ status: 'synced', seen: 1, drafted: 1 });
  });
});
