import { beforeEach, describe, expect, it } from 'vitest';
import { createAuthorizedClient, GOOGLE_TOKEN_TIMEOUT_MS } from '../../src/google/oauth';
import type { Target } from '../support/fault-fetch';
import { chaosForTest, startChaos, type Chaos } from '../support/chaos';
import { expectInvariants, retries } from '../support/chaos-invariants';

/**
 * The network itself fails: a request hangs until the client's timeout cuts it, or the connection
 * is reset before or after the server handled it. The clients' timeouts are shortened here
 * (production: 30 s) so a hang costs 150 ms.
 */
const TIMEOUT_MS = 150;

describe('chaos: timeouts and dropped connections', () => {
  let c: Chaos;
  beforeEach(async () => {
    c = await chaosForTest({ timeoutMs: TIMEOUT_MS });
  });

  const targets: Target[] = ['history.list', 'messages.get', 'threads.get', 'drafts.create', 'token'];
  const classOf = (t: Target) => (t === 'token' ? 'google_token' : 'gmail_unavailable');

  it.each(targets)('%s hangs twice: cut by the timeout, retried, drafted once', async (target) => {
    for (let i = 0; i < 2; i++) c.question();
    c.net.failNext(target, 'hang', 2);
    const started = Date.now();
    await c.trigger();
    await c.settle();
    expect(c.net.served()).toEqual({ [`${target}:hang`]: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * TIMEOUT_MS);
    expect(retries(c).map((r) => r.errorClass)).toEqual([classOf(target), classOf(target)]);
    await expectInvariants(c);
  });

  it.each(targets)('%s: connection reset (fetch failed, ECONNRESET) twice', async (target) => {
    for (let i = 0; i < 2; i++) c.question();
    c.net.failNext(target, 'drop', 2);
    await c.trigger();
    await c.settle();
    expect(c.net.served()).toEqual({ [`${target}:drop`]: 2 });
    expect(retries(c).map((r) => r.errorClass)).toEqual([classOf(target), classOf(target)]);
    await expectInvariants(c);
  });

  it.each(['shopify', 'woocommerce'] as const)(
    '%s: a message that ends while its orders are still being read ahead ends that request too, uncounted',
    async (store) => {
      const d = store === 'shopify' ? c : await startChaos({ store, timeoutMs: TIMEOUT_MS });
      try {
        d.poison(); // from a customer, so its sender's orders are read during the download; then unparseable
        const q = d.question(); // the same run goes on: a late count of the cut read would land in it
        d.net.failNext('store', 'hang');
        await d.trigger();
        await d.settle();
        expect(d.net.served()).toEqual({ 'store:hang': 1 });
        // Left alone, the read would hang until the store client's timeout, long after the sync.
        expect(d.net.stuck()).toBe(0);
        // The poison message's own failure is counted; the cut read is not a store failure.
        expect(Object.keys(await d.counters()).filter((k) => k.startsWith('error:'))).toEqual(['error:internal']);
        expect(d.google.drafts(d.mailbox).map((x) => x.threadId)).toEqual([q.threadId]);
        await expectInvariants(d);
      } finally {
        if (d !== c) d.close();
      }
    },
  );

  it('drafts.create succeeded but the answer was lost: the retry finds the draft and adds none', async () => {
    const q = c.question();
    c.net.failNext('drafts.create', 'drop_after');
    await c.trigger();
    await c.settle();
    expect(c.google.calls(c.mailbox)['drafts.create']).toBe(1);
    expect(c.google.drafts(c.mailbox).map((d) => d.threadId)).toEqual([q.threadId]);
    expect(await c.counters()).toMatchObject({ 'skipped:already_drafted': 1, 'error:gmail_unavailable': 1 });
    await expectInvariants(c);
  });

  it('the model hangs, Shopify hangs and drops: retried in-process as retryable, drafted', async () => {
    c.question();
    c.net.failNext('model', 'hang');
    c.net.failNext('store', 'hang');
    c.net.failNext('store', 'drop');
    await c.trigger();
    await c.settle();
    expect(c.net.served()).toEqual({ 'model:hang': 1, 'store:hang': 1, 'store:drop': 1 });
    expect(await c.counters()).toMatchObject({ drafted: 1, 'error:llm_unavailable': 1, 'error:store_unavailable': 2 });
    expect(await c.counters()).not.toHaveProperty('error:store_failed');
    await expectInvariants(c);
  });

  it('everything at once, and more than the queue retries: the cron finishes the job', async () => {
    for (let i = 0; i < 4; i++) c.question();
    c.net.failNext('token', 'hang');
    c.net.failNext('history.list', 'drop', 2);
    c.net.failNext('messages.get', 'hang');
    c.net.failNext('threads.get', 'drop_after', 2);
    c.net.failNext('drafts.create', 'drop_after', 2);
    c.google.failNext('drafts.create', { status: 503, count: 2 });
    await c.trigger();
    await c.settle();
    await c.cron();
    await c.cron();
    expect(c.net.pending()).toBe(0);
    await expectInvariants(c);
  });
});

describe('chaos: WooCommerce connection resets', () => {
  it('are retried in-process as retryable, and the mail is drafted', async () => {
    const c = await startChaos({ store: 'woocommerce' });
    try {
      c.question();
      c.net.failNext('store', 'drop', 2);
      await c.trigger();
      await c.settle();
      expect(c.net.served()).toEqual({ 'store:drop': 2 });
      expect(await c.counters()).toMatchObject({ drafted: 1, 'error:store_unavailable': 2 });
      await expectInvariants(c);
    } finally {
      c.close();
    }
  });
});

describe('token refresh timeout', () => {
  it('applies to the refresh itself, 30 s unless told otherwise', async () => {
    const c = await startChaos();
    try {
      c.net.failNext('token', 'hang');
      const client = createAuthorizedClient(c.s.googleOAuth, 'any-refresh-token', { timeoutMs: 100 });
      await expect(client.getAccessToken()).rejects.toThrow();
      expect(c.net.stuck()).toBe(0);
      const production = createAuthorizedClient(c.s.googleOAuth, 'any-refresh-token');
      expect((production.transporter as unknown as { defaults: { timeout?: number } }).defaults.timeout).toBe(
        GOOGLE_TOKEN_TIMEOUT_MS,
      );
    } finally {
      c.close();
    }
  });
});
