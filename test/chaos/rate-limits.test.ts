import { beforeEach, describe, expect, it } from 'vitest';
import { chaosForTest, type Chaos } from '../support/chaos';
import { expectInvariants, retries } from '../support/chaos-invariants';

/** 429 bursts with Retry-After: the queue never comes back sooner, and every mail still gets its one draft. */
describe('chaos: 429 bursts with Retry-After', () => {
  let c: Chaos;
  beforeEach(async () => {
    c = await chaosForTest();
  });

  const mails = () => {
    for (let i = 0; i < 3; i++) c.question();
    c.newsletter();
  };

  it.each(['history.list', 'messages.get', 'threads.get', 'drafts.create'] as const)(
    '%s: three 429s in a row',
    async (method) => {
      mails();
      c.google.failNext(method, { status: 429, count: 3, retryAfterSeconds: 7 });
      await c.trigger();
      await c.settle();

      const waits = retries(c, 'gmail_rate_limited');
      expect(waits).toHaveLength(3);
      for (const w of waits) expect(w.ms).toBeGreaterThanOrEqual(7000);
      expect(retries(c)).toHaveLength(3);
      expect(c.deadLetters).toBe(0);
      expect(await c.counters()).toMatchObject({ 'error:gmail_rate_limited': 3, drafted: 3 });
      await expectInvariants(c);
    },
  );

  it('token endpoint: three 429s in a row, Retry-After honoured', async () => {
    mails();
    c.google.expireAccessTokens(); // access tokens are reused for their hour: make the next sync refresh
    c.google.failNext('token', { status: 429, count: 3, retryAfterSeconds: 11 });
    const before = c.google.tokenRequests();
    await c.trigger();
    await c.settle();

    const waits = retries(c, 'google_token');
    expect(waits).toHaveLength(3);
    for (const w of waits) expect(w.ms).toBeGreaterThanOrEqual(11_000);
    // One refresh per attempt: three refused, then one that worked.
    expect(c.google.tokenRequests() - before).toBe(4);
    expect((await c.connection())!.status).toBe('active');
    await expectInvariants(c);
  });

  it('drafts.list: never called by the pipeline (threads.get says whether a thread has a draft)', async () => {
    mails();
    c.google.failNext('drafts.list', { status: 429, count: 3, retryAfterSeconds: 7 });
    await c.trigger();
    await c.settle();
    expect(c.google.calls(c.mailbox)['drafts.list']).toBeUndefined();
    expect(retries(c)).toEqual([]);
    await expectInvariants(c);
  });

  it('a burst longer than the queue retries: dead-lettered, then the cron catches up', async () => {
    mails();
    c.google.failNext('history.list', { status: 429, count: 8, retryAfterSeconds: 3 });
    await c.trigger();
    await c.settle();
    expect(c.deadLetters).toBe(1);
    expect(c.google.drafts(c.mailbox)).toHaveLength(0);
    const cursor = (await c.connection())!.historyCursor;

    await c.cron();
    expect((await c.connection())!.historyCursor).not.toBe(cursor);
    // The consumer asked five times (the queue dead-lettered the fifth), and three more after the cron.
    expect(retries(c, 'gmail_rate_limited').length).toBe(8);
    for (const w of retries(c, 'gmail_rate_limited')) expect(w.ms).toBeGreaterThanOrEqual(3000);
    await expectInvariants(c);
  });

  it('mail that arrives during the burst is drafted too', async () => {
    c.question();
    c.google.failNext('messages.get', { status: 429, count: 2, retryAfterSeconds: 1 });
    const sends = c.rt.queueMessages.length;
    c.net.onRequest = (target) => {
      // The second refused read: a new customer writes meanwhile (Gmail would push; here: a trigger).
      if (target === 'messages.get' && c.google.calls(c.mailbox)['messages.get'] === 1) {
        c.question();
        void c.trigger();
      }
    };
    await c.trigger();
    await c.settle();
    expect(c.rt.queueMessages.length).toBeGreaterThan(sends);
    expect(c.google.drafts(c.mailbox)).toHaveLength(2);
    await expectInvariants(c);
  });
});
