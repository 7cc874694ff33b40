import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { storeConnections } from '../../src/db/schema';
import { LlmError } from '../../src/drafting/llm';
import { GmailApiError } from '../../src/google/gmail';
import { GoogleAuthError } from '../../src/google/oauth';
import { consumeSyncBatch } from '../../src/pipeline/consume';
import { classifyFailure, retryDelaySeconds, withRetries } from '../../src/pipeline/failures';
import { syncAccount } from '../../src/pipeline/sync';
import type { Delivery } from '../../src/platform/queue';
import { StoreApiError } from '../../src/stores/errors';
import { question, pipelineForTest, type PipelineRuntime } from '../support/pipeline';

describe('failure classes', () => {
  it.each([
    [new GmailApiError(429, 'rateLimitExceeded', 30), 'gmail_rate_limited', true, 30],
    [new GmailApiError(403, 'rateLimitExceeded', null), 'gmail_rate_limited', true, null],
    [new GmailApiError(403, 'userRateLimitExceeded', 5), 'gmail_rate_limited', true, 5],
    [new GmailApiError(403, 'insufficientPermissions', null), 'gmail_rejected', false, null],
    [new GmailApiError(403, 'dailyLimitExceeded', null), 'gmail_rejected', false, null],
    [new GmailApiError(500, 'backendError', null), 'gmail_unavailable', true, null],
    [new GmailApiError(503, 'backendError', 12), 'gmail_unavailable', true, 12],
    [new GmailApiError(0, 'network', null), 'gmail_unavailable', true, null],
    [new GmailApiError(401, '401', null), 'gmail_auth', true, null],
    [new GmailApiError(400, 'invalidArgument', null), 'gmail_rejected', false, null],
    [new GoogleAuthError('invalid_grant', 400, 'invalid_grant'), 'reconnect_needed', false, null],
    [new GoogleAuthError('network', 0), 'google_token', true, null],
    [new GoogleAuthError('unknown', 503, 'temporarily_unavailable'), 'google_token', true, null],
    [new GoogleAuthError('unknown', 429, 'rate_limit_exceeded', 30), 'google_token', true, 30],
    [new GoogleAuthError('invalid_client', 401, 'invalid_client'), 'google_token', false, null],
    [new LlmError('api', 429, true, 20), 'llm_unavailable', true, 20],
    [new LlmError('api', 400, false), 'llm_failed', false, null],
    [new LlmError('invalid_output'), 'llm_failed', false, null],
    [new StoreApiError(429, 'throttled'), 'store_unavailable', true, null],
    [new StoreApiError(401, 'unauthorized'), 'store_failed', false, null],
    [new Error('SQLITE_BUSY'), 'internal', true, null],
  ])('%s → %s', (err, cls, retryable, retryAfterSeconds) => {
    expect(classifyFailure(err)).toEqual({ class: cls, retryable, retryAfterSeconds });
  });
});

describe('queue backoff', () => {
  it('grows exponentially with jitter between half and all of the step', () => {
    const err = new GmailApiError(500, 'backendError', null);
    expect(retryDelaySeconds(err, 1, () => 0)).toBe(1);
    expect(retryDelaySeconds(err, 4, () => 0)).toBe(4);
    expect(retryDelaySeconds(err, 4, () => 0.999)).toBe(8);
    expect(retryDelaySeconds(err, 30, () => 0.999)).toBe(900);
    const spread = new Set(Array.from({ length: 200 }, () => retryDelaySeconds(err, 6)));
    expect(spread.size).toBeGreaterThan(5);
    for (const d of spread) expect(d >= 16 && d <= 32).toBe(true);
  });

  it('never comes back sooner than Retry-After', () => {
    expect(retryDelaySeconds(new GmailApiError(429, 'rateLimitExceeded', 120), 1, () => 0.5)).toBe(120);
    expect(retryDelaySeconds(new GmailApiError(403, 'userRateLimitExceeded', 3600), 3, () => 0.5)).toBe(3600);
    expect(retryDelaySeconds(new LlmError('api', 429, true, 45), 1)).toBe(45);
  });
});

describe('in-process retries', () => {
  const opts = (sleeps: number[]) => ({
    attempts: 3,
    baseDelayMs: 100,
    maxWaitMs: 5000,
    sleep: async (ms: number) => void sleeps.push(ms),
    random: () => 1,
  });

  it('retries a retryable failure with growing waits, honouring a short Retry-After', async () => {
    const sleeps: number[] = [];
    let n = 0;
    const result = await withRetries(async () => {
      n++;
      if (n === 1) throw new LlmError('api', 500, true);
      if (n === 2) throw new LlmError('api', 429, true, 2);
      return 'ok';
    }, opts(sleeps));
    expect(result).toBe('ok');
    expect(sleeps).toEqual([100, 2000]);
  });

  it('gives up at once on what retrying cannot fix, or on a Retry-After too long to wait for', async () => {
    const sleeps: number[] = [];
    await expect(withRetries(async () => Promise.reject(new LlmError('refused')), opts(sleeps))).rejects.toBeInstanceOf(
      LlmError,
    );
    await expect(
      withRetries(async () => Promise.reject(new LlmError('api', 429, true, 60)), opts(sleeps)),
    ).rejects.toBeInstanceOf(LlmError);
    expect(sleeps).toEqual([]);
  });

  it('stops after the last attempt and reports every failure', async () => {
    const seen: string[] = [];
    let n = 0;
    await expect(
      withRetries(
        async () => {
          n++;
          throw new StoreApiError(503, 'server');
        },
        { ...opts([]), onFailure: (f) => seen.push(f.class) },
      ),
    ).rejects.toBeInstanceOf(StoreApiError);
    expect(n).toBe(3);
    expect(seen).toEqual(['store_unavailable', 'store_unavailable', 'store_unavailable']);
  });
});

/** A queue delivery that records what the consumer decided. */
function delivery(accountId: string, attempts = 1) {
  const d = { acked: false, retried: null as null | number, attempts, body: { accountId } as unknown };
  const out: Delivery & typeof d = Object.assign(d, {
    ack: () => void (d.acked = true),
    retry: (o?: { delaySeconds?: number }) => void (d.retried = o?.delaySeconds ?? 0),
  });
  return out;
}

describe('failures through the pipeline', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  const noSleep = { sleep: async () => undefined };

  it.each([
    [429, undefined, 'gmail_rate_limited'],
    [403, 'rateLimitExceeded', 'gmail_rate_limited'],
    [403, 'userRateLimitExceeded', 'gmail_rate_limited'],
  ])('Gmail %s %s: the queue backs off for at least Retry-After, counted, cursor kept', async (status, reason, cls) => {
    p.deliver(question(1));
    const before = (await p.connection())!.historyCursor;
    p.google.failNext('history.list', { status, reason, retryAfterSeconds: 37 });
    const d = delivery(p.accountId, 2);
    await consumeSyncBatch(p.rt.services, [d], noSleep);
    expect(d.acked).toBe(false);
    expect(d.retried).toBeGreaterThanOrEqual(37);
    expect(await p.counters()).toMatchObject({ [`error:${cls}`]: 1 });
    expect((await p.connection())!).toMatchObject({ historyCursor: before, syncLeaseOwner: null });
    expect(p.rt.logs.some((l) => l.includes('queue.retry') && l.includes(cls))).toBe(true);
  });

  it('Gmail 5xx: retried by the queue, then drafts once it answers', async () => {
    p.deliver(question(1));
    p.google.failNext('messages.get', { status: 503 });
    const d = delivery(p.accountId);
    await consumeSyncBatch(p.rt.services, [d], noSleep);
    expect(d.retried).toBeGreaterThanOrEqual(1);
    const again = delivery(p.accountId, 2);
    await consumeSyncBatch(p.rt.services, [again], noSleep);
    expect(again.acked).toBe(true);
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
  });

  it('Gmail 401 once: the token is refreshed and the sync goes on', async () => {
    p.deliver(question(1));
    p.google.failNext('history.list', { status: 401 });
    expect(await syncAccount(p.rt.services, p.accountId, noSleep)).toMatchObject({ status: 'synced', drafted: 1 });
  });

  it('a revoked grant marks the account for reconnection and stops its syncs', async () => {
    p.deliver(question(1));
    p.google.revokeAll(p.mailbox);
    const d = delivery(p.accountId);
    await consumeSyncBatch(p.rt.services, [d], noSleep);
    expect(d.acked).toBe(true);
    expect(d.retried).toBeNull();
    expect((await p.connection())!.status).toBe('reconnect_needed');
    expect(await p.counters()).toMatchObject({ 'error:reconnect_needed': 1 });
    const calls = { ...p.google.calls(p.mailbox) };
    expect(await syncAccount(p.rt.services, p.accountId)).toEqual({ status: 'skipped', reason: 'reconnect_needed' });
    expect(p.google.calls(p.mailbox)).toEqual(calls);
  });

  it('a Gmail answer retrying cannot fix is acked, counted and logged, not retried', async () => {
    p.deliver(question(1));
    p.google.failNext('history.list', { status: 400 });
    const d = delivery(p.accountId);
    await consumeSyncBatch(p.rt.services, [d], noSleep);
    expect(d).toMatchObject({ acked: true, retried: null });
    expect(await p.counters()).toMatchObject({ 'error:gmail_rejected': 1 });
  });

  it('the model failing twice is retried in-process and the draft still comes', async () => {
    p.deliver(question(1));
    p.rt.sandbox!.fakes.openai.failNext({ status: 500, count: 2 });
    expect(await syncAccount(p.rt.services, p.accountId, noSleep)).toMatchObject({ drafted: 1 });
    expect(await p.counters()).toMatchObject({ drafted: 1, 'error:llm_unavailable': 2 });
  });

  it('the model failing every time: the message is skipped and counted, the mailbox moves on', async () => {
    p.deliver(question(1));
    p.deliver(question(2));
    p.rt.sandbox!.fakes.openai.failNext({ status: 503, count: 3 });
    expect(await syncAccount(p.rt.services, p.accountId, noSleep)).toMatchObject({
      status: 'synced',
      seen: 2,
      drafted: 1,
    });
    expect(await p.counters()).toMatchObject({ 'skipped:llm_unavailable': 1, 'error:llm_unavailable': 3 });
  });

  it('a model out of quota is not retried: skipped as llm_failed', async () => {
    p.deliver(question(1));
    p.rt.sandbox!.fakes.openai.failNext({ status: 429, code: 'insufficient_quota' });
    const calls = p.rt.sandbox!.fakes.openai.calls();
    await syncAccount(p.rt.services, p.accountId, noSleep);
    expect(p.rt.sandbox!.fakes.openai.calls()).toBe(calls + 1);
    expect(await p.counters()).toMatchObject({ 'skipped:llm_failed': 1 });
  });

  it('the store failing every time: the message is skipped and counted', async () => {
    p.deliver(question(1));
    p.rt.sandbox!.fakes.shopify.failNext({ status: 502, count: 10 });
    await syncAccount(p.rt.services, p.accountId, noSleep);
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    // The orders read ahead, then the lookup's three attempts: every failure is counted.
    expect(await p.counters()).toMatchObject({ 'skipped:store_unavailable': 1, 'error:store_unavailable': 4 });
  });

  it('the store failing once: retried in-process, drafted', async () => {
    p.deliver(question(1));
    p.rt.sandbox!.fakes.shopify.failNext({ status: 503 });
    await syncAccount(p.rt.services, p.accountId, noSleep);
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    expect(await p.counters()).toMatchObject({ drafted: 1, 'error:store_unavailable': 1 });
  });

  it('Shopify throttling is waited out by the order source itself (its cost bucket), not counted', async () => {
    p.deliver(question(1));
    p.rt.sandbox!.fakes.shopify.failNext({ throttled: true });
    await syncAccount(p.rt.services, p.accountId, noSleep);
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    expect(await p.counters()).not.toHaveProperty('error:store_unavailable');
  });

  it('a store that refuses our credentials (and the token migration): the store is marked for reconnecting, the mail skipped and counted', async () => {
    p.deliver(question(1));
    const store = (await p.rt.services.db.query.storeConnections.findFirst())!;
    // The merchant uninstalled the app: the stored token is no longer accepted.
    const sealed = await p.rt.services.sealer.seal(
      JSON.stringify({ kind: 'shopify', accessToken: 'shpat_revoked' }),
      `store_connections.sealed_credentials:${store.id}`,
    );
    await p.rt.services.db
      .update(storeConnections)
      .set({ sealedCredentials: sealed })
      .where(eq(storeConnections.id, store.id));
    await syncAccount(p.rt.services, p.accountId, noSleep);
    expect(await p.counters()).toMatchObject({ 'skipped:store_reconnect_needed': 1 });
    expect((await p.rt.services.db.query.storeConnections.findFirst())!.status).toBe('reconnect_needed');
  });
});
