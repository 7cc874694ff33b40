import { beforeEach, describe, expect, it } from 'vitest';
import { consumeSyncBatch } from '../../src/pipeline/consume';
import { MESSAGE_SUBREQUEST_RESERVE, syncAccount } from '../../src/pipeline/sync';
import { metered } from '../../src/platform/subrequests';
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

  it('work the invocation has no subrequests left for is put back on the queue at once, unstarted', async () => {
    const mailboxKey = (await p.connection())!.mailboxKey!;
    p.deliver(question(1));
    const settled: string[] = [];
    const delivery = (name: string, body: object) => ({
      body,
      attempts: 1,
      ack: () => void settled.push(`${name}:ack`),
      retry: (o?: { delaySeconds?: number }) => void settled.push(`${name}:retry ${o?.delaySeconds}`),
    });
    const historyId = p.google.historyId(p.mailbox);
    const calls = p.google.calls(p.mailbox)['history.list'] ?? 0;
    await consumeSyncBatch(
      p.rt.services,
      [
        delivery('push', { mailboxKey, historyId }),
        delivery('rider', { mailboxKey, historyId }),
        delivery('job', { accountId: p.accountId, job: 'renew_watch' }),
      ],
      { ...noSleep, invocationBudget: 1 },
    );
    expect(settled.sort()).toEqual(['job:retry 0', 'push:retry 0', 'rider:ack']);
    expect(p.google.calls(p.mailbox)['history.list'] ?? 0).toBe(calls);
    expect(p.rt.logs.filter((l) => JSON.parse(l).event === 'queue.deferred')).toHaveLength(2);
  });

  it('a budget too small for any message still handles one per run, so the hand-over never loops empty', async () => {
    p.deliver(question(1));
    p.deliver(question(2));
    const run = await syncAccount(p.rt.services, p.accountId, { ...noSleep, subrequestBudget: 1 });
    expect(run).toMatchObject({ status: 'synced', seen: 1, drafted: 1 });
  });
});
