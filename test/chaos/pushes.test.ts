import { beforeEach, describe, expect, it } from 'vitest';
import { chaosForTest, type CapturedPush, type Chaos } from '../support/chaos';
import { expectInvariants } from '../support/chaos-invariants';

/**
 * Pub/Sub delivers at least once and in no particular order: Google's own signed notifications,
 * replayed twice, shuffled, late, or not at all.
 */
describe('chaos: duplicate and out-of-order pushes', () => {
  let c: Chaos;
  beforeEach(async () => {
    c = await chaosForTest();
  });

  const historyIdOf = (p: CapturedPush) =>
    Number(
      (JSON.parse(atob((JSON.parse(p.body) as { message: { data: string } }).message.data)) as { historyId: number })
        .historyId,
    );

  it('every notification twice, newest first, all at once: one draft per mail', async () => {
    for (let i = 0; i < 5; i++) c.question();
    c.newsletter();
    await c.google.flushPushes();
    expect(c.pushes).toHaveLength(6);
    const storm = [...c.pushes, ...c.pushes].sort((a, b) => historyIdOf(b) - historyIdOf(a));
    const statuses = await Promise.all(storm.map((p) => c.replay(p)));
    expect(statuses).toEqual(storm.map(() => 204));
    await c.settle();
    // Counted by the sync each push queues: on Node a push identical to one still waiting is not
    // queued again, so between one count per notification and one per delivery.
    const { notifications, drafted } = await c.counters();
    expect(drafted).toBe(5);
    expect(notifications).toBeGreaterThanOrEqual(6);
    expect(notifications).toBeLessThanOrEqual(12);
    await expectInvariants(c);
  });

  it('replayed after the sync: acknowledged, and its sync takes no lease and makes no Gmail call', async () => {
    for (let i = 0; i < 3; i++) c.question();
    await c.replay(c.pushes.at(-1)!);
    await c.settle();
    const calls = { ...c.google.calls(c.mailbox) };
    const logged = c.rt.logs.length;
    for (const p of [...c.pushes].reverse()) expect(await c.replay(p)).toBe(204);
    await c.settle();
    expect(c.google.calls(c.mailbox)).toEqual(calls);
    const synced = c.rt.logs.slice(logged).map((l) => JSON.parse(l) as { event: string; reason?: string });
    expect(synced.filter((l) => l.event === 'queue.synced').map((l) => l.reason)).toEqual(
      c.pushes.map(() => 'already_synced'),
    );
    await expectInvariants(c);
  });

  it('only the oldest notification arrives, late: the sync still reads everything since the cursor', async () => {
    for (let i = 0; i < 4; i++) c.question();
    await c.replay(c.pushes[0]!);
    await c.settle();
    expect(c.google.drafts(c.mailbox)).toHaveLength(4);
    await expectInvariants(c);
  });

  it('notifications lost altogether: the cron polls the quiet mailbox', async () => {
    for (let i = 0; i < 3; i++) c.question();
    await c.cron();
    await expectInvariants(c);
  });

  it('pushes arrive while Gmail is failing: the rerun they ask for is not lost', async () => {
    const first = c.question();
    c.google.failNext('threads.get', { status: 503, count: 2 });
    c.net.onRequest = (target) => {
      // Mail and its push arrive while the first sync is in the middle of failing.
      if (target === 'threads.get' && c.pushes.length < 4) {
        c.question();
        void c.replay(c.pushes.at(-1)!);
        void c.replay(c.pushes[0]!);
      }
    };
    await c.replay(c.pushes[0]!);
    await c.settle();
    c.net.onRequest = undefined;
    await c.settle();
    expect(c.google.drafts(c.mailbox).map((d) => d.threadId)).toContain(first.threadId);
    await expectInvariants(c);
  });
});
