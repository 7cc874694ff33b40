import { beforeEach, describe, expect, it } from 'vitest';
import { chaosForTest, type Chaos } from '../support/chaos';
import { expectInvariants, retries } from '../support/chaos-invariants';

/** 500 and 503 from Gmail and the token endpoint: retried by the queue with backoff, one draft per deserving email. */
describe('chaos: 500 and 503 answers', () => {
  let c: Chaos;
  beforeEach(async () => {
    c = await chaosForTest();
  });

  const gmailMethods = ['history.list', 'messages.get', 'threads.get', 'drafts.create'] as const;
  const cases = [500, 503].flatMap((status) =>
    [...gmailMethods, 'token' as const].map((method) => [method, status] as const),
  );

  it.each(cases)('%s answers %i twice', async (method, status) => {
    for (let i = 0; i < 3; i++) c.question();
    c.newsletter();
    // Access tokens are reused for their hour: the token endpoint is only asked once one has expired.
    if (method === 'token') c.google.expireAccessTokens();
    c.google.failNext(method, { status, count: 2 });
    await c.trigger();
    await c.settle();

    const cls = method === 'token' ? 'google_token' : 'gmail_unavailable';
    const waits = retries(c);
    expect(waits.map((w) => w.errorClass)).toEqual([cls, cls]);
    // Exponential backoff with jitter: at least a second, then at least one more.
    expect(waits.map((w) => w.attempt)).toEqual([1, 2]);
    expect(waits[0]!.ms).toBeGreaterThanOrEqual(1000);
    expect(await c.counters()).toMatchObject({ [`error:${cls}`]: 2, drafted: 3 });
    await expectInvariants(c);
  });

  it('a 503 with Retry-After is waited out like a 429', async () => {
    c.question();
    c.google.failNext('threads.get', { status: 503, retryAfterSeconds: 42 });
    await c.trigger();
    await c.settle();
    expect(retries(c, 'gmail_unavailable').map((w) => w.ms >= 42_000)).toEqual([true]);
    await expectInvariants(c);
  });

  it('drafts.create failing after the model wrote the reply: the reply is written again, still one draft', async () => {
    const model = c.rt.sandbox!.fakes.openai;
    const q = c.question();
    const before = model.calls();
    c.google.failNext('drafts.create', { status: 500, count: 2 });
    await c.trigger();
    await c.settle();
    expect(model.calls() - before).toBe(3);
    expect(c.google.calls(c.mailbox)['drafts.create']).toBe(3);
    expect(c.google.drafts(c.mailbox).map((d) => d.threadId)).toEqual([q.threadId]);
    await expectInvariants(c);
  });
});
