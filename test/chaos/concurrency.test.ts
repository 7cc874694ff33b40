import { beforeEach, describe, expect, it } from 'vitest';
import type { SyncResult } from '../../src/pipeline/sync';
import { chaosForTest, type Chaos } from '../support/chaos';
import { expectInvariants } from '../support/chaos-invariants';

/** 50 triggers for one account at the same moment, from every direction, while the network misbehaves. */
describe('chaos: 50 concurrent triggers per account', () => {
  let c: Chaos;
  beforeEach(async () => {
    c = await chaosForTest();
    // Real calls take time: runs overlap exactly where two of them could draft the same thread.
    const pause = () => new Promise((r) => setTimeout(r, 2 + Math.random() * 10));
    const write = c.s.replyWriter.write;
    c.s.replyWriter = { write: async (input, problem) => (await pause(), write(input, problem)) };
    c.net.onRequest = async (target) => {
      if (target === 'drafts.create' || target === 'threads.get') await pause();
    };
  });

  const storm = async (n: number) => {
    const results: Promise<SyncResult | Error | void>[] = [];
    for (let i = 0; i < n; i++) {
      const kind = i % 3;
      if (kind === 0) results.push(c.sync());
      else if (kind === 1) results.push(c.trigger());
      else results.push(c.replay(c.pushes.at(-1)!).then(() => undefined));
    }
    return (await Promise.all(results)).filter((r): r is SyncResult => !!r && !(r instanceof Error) && 'status' in r);
  };

  it('syncs, queue messages and pushes at once: one run at a time, one draft per thread', async () => {
    const first = c.question();
    for (let i = 0; i < 5; i++) c.question();
    c.followUp(first);
    c.newsletter();
    const direct = await storm(50);
    await c.settle();
    expect(direct.filter((r) => r.status === 'busy').length).toBeGreaterThan(5);
    expect(direct.filter((r) => r.status === 'synced').length).toBeGreaterThanOrEqual(1);
    expect(await c.counters()).toMatchObject({ drafted: 6 });
    expect((await c.connection())!).toMatchObject({ syncLeaseOwner: null, syncRerunRequested: false });
    await expectInvariants(c);
  });

  it('the same, with Gmail failing and connections dropping in the middle', async () => {
    for (let i = 0; i < 6; i++) c.question();
    c.google.failNext('drafts.create', { status: 429, count: 2, retryAfterSeconds: 2 });
    c.google.failNext('messages.get', { status: 503, count: 2 });
    c.net.failNext('threads.get', 'drop', 2);
    c.net.failNext('drafts.create', 'drop_after', 2);
    await storm(50);
    await c.settle();
    // Mail arrives while the storm dies down; another storm, then the cron for what is left.
    for (let i = 0; i < 3; i++) c.question();
    await storm(50);
    await c.settle();
    await c.cron();
    expect(c.net.pending()).toBe(0);
    await expectInvariants(c);
  });
});
