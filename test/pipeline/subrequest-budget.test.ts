import { beforeEach, describe, expect, it } from 'vitest';
import { MESSAGE_SUBREQUEST_RESERVE, syncAccount } from '../../src/pipeline/sync';
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
    // The follow-up was queued ({accountId} only) and the local queue runs it, with the default budget.
    expect(p.rt.queueMessages.map((m) => JSON.parse(m))).toContainEqual({ accountId: p.accountId });
    await p.rt.settle();
    expect(
      p.google
        .drafts(p.mailbox)
        .map((d) => d.threadId)
        .sort(),
    ).toEqual([...threads].sort());
  });

  it('a budget too small for any message still handles one per run, so the hand-over never loops empty', async () => {
    p.deliver(question(1));
    p.deliver(question(2));
    const run = await syncAccount(p.rt.services, p.accountId, { ...noSleep, subrequestBudget: 1 });
    expect(run).toMatchObject({ status: 'synced', seen: 1, drafted: 1 });
  });
});
