import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { gmailConnections } from '../../src/db/schema';
import { consumeDeadLetters } from '../../src/pipeline/consume';
import {
  pollQuietAccounts,
  QUIET_AFTER_MS,
  runScheduled,
  SCHEDULED_STEPS,
  type ScheduledStep,
} from '../../src/pipeline/schedule';
import { renewWatch, watchesDueForRenewal } from '../../src/pipeline/watch-renewal';
import type { Delivery, QueueMessage } from '../../src/platform/queue';
import { sealedAs } from '../../src/db/sealed';
import { pipelineForTest, type PipelineRuntime } from '../support/pipeline';

const DAY = 24 * 60 * 60_000;

const delivery = (body: QueueMessage): Delivery => ({
  body,
  attempts: 6,
  ack: () => undefined,
  retry: () => undefined,
});

/** A second merchant with a mailbox (and the same kind of store), for ordering and limits. */
async function secondMailbox(p: PipelineRuntime): Promise<string> {
  const { createAccount, connectGmail, connectStore } = await import('../../src/accounts/connect');
  const s = p.rt.services;
  const accountId = await createAccount(s);
  const mailbox = 'second@example.com';
  const scopes = ['https://www.googleapis.com/auth/gmail.readonly', 'https://www.googleapis.com/auth/gmail.compose'];
  await connectGmail(s, {
    accountId,
    mailbox,
    refreshToken: p.google.issueRefreshToken(mailbox, scopes),
    grantedScopes: scopes,
  });
  const store = await s.db.query.storeConnections.findFirst({ where: (t, { eq }) => eq(t.accountId, p.accountId) });
  const credentials = JSON.parse(await s.sealer.open(store!.sealedCredentials!, sealedAs.storeCredentials(store!.id)));
  await connectStore(s, { accountId, storeDomain: store!.storeDomain, credentials, scopes: 'read_orders' });
  return accountId;
}

describe('cron', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  const update = (fields: Partial<typeof gmailConnections.$inferInsert>) =>
    p.rt.services.db.update(gmailConnections).set(fields).where(eq(gmailConnections.accountId, p.accountId));
  const watchCalls = () => p.google.calls(p.mailbox).watch ?? 0;

  describe('polling', () => {
    it('queues a quiet account once, with {accountId} only', async () => {
      await update({ lastSyncAt: Date.now() - QUIET_AFTER_MS - 1000, lastPushAt: null });
      expect(await runScheduled(p.rt.services)).toMatchObject({ queued: 1 });
      expect(p.rt.queueMessages).toEqual([JSON.stringify({ accountId: p.accountId })]);
    });

    it('leaves an account alone while its pushes arrive', async () => {
      await update({ lastSyncAt: Date.now() - 2 * QUIET_AFTER_MS, lastPushAt: Date.now() - 1000 });
      expect(await runScheduled(p.rt.services)).toMatchObject({ queued: 0 });
      expect(p.rt.queueMessages).toEqual([]);
    });

    it('skips an account that needs reconnecting', async () => {
      await update({ lastSyncAt: 0, status: 'reconnect_needed' });
      expect(await runScheduled(p.rt.services)).toMatchObject({ queued: 0 });
    });

    it('queues a rerun that a crashed run left behind under an expired lease', async () => {
      await update({
        lastSyncAt: Date.now(),
        syncLeaseOwner: 'dead',
        syncLeaseUntil: Date.now() - 1,
        syncRerunRequested: true,
      });
      expect(await runScheduled(p.rt.services)).toMatchObject({ queued: 1 });
      await update({ syncLeaseUntil: Date.now() + 60_000 });
      p.rt.queueMessages.length = 0;
      expect(await runScheduled(p.rt.services)).toMatchObject({ queued: 0 });
    });

    it('quietest first, at most the limit per tick (the rest next tick)', async () => {
      const other = await secondMailbox(p);
      await update({ lastSyncAt: Date.now() - 2 * QUIET_AFTER_MS, lastPushAt: null });
      await p.rt.services.db
        .update(gmailConnections)
        .set({ lastSyncAt: Date.now() - 3 * QUIET_AFTER_MS, lastPushAt: null })
        .where(eq(gmailConnections.accountId, other));
      expect((await pollQuietAccounts(p.rt.services, 1)).syncAccountIds).toEqual([other]);
      expect((await pollQuietAccounts(p.rt.services, 5)).syncAccountIds).toEqual([other, p.accountId]);
    });
  });

  describe('watch renewal: the cron queues it, the consumer renews in its own invocation', () => {
    const renewal = () => JSON.stringify({ accountId: p.accountId, job: 'renew_watch' });

    it('queues {accountId, job: renew_watch} for a watch ending within a day; the consumer renews it and stores the new expiry', async () => {
      await update({ lastSyncAt: Date.now(), watchExpiresAt: Date.now() + DAY / 2 });
      const before = watchCalls();
      expect(await runScheduled(p.rt.services)).toEqual({ queued: 1, failedSteps: [] });
      // A renewal is no reason to sync.
      expect(p.rt.queueMessages).toEqual([renewal()]);
      await p.rt.settle();
      expect(watchCalls()).toBe(before + 1);
      const expiresAt = (await p.connection())!.watchExpiresAt!;
      expect(expiresAt).toBeGreaterThan(Date.now() + 6 * DAY);
      expect(p.google.watchOf(p.mailbox)!.expiration).toBe(expiresAt);
      expect(p.rt.logs.some((l) => l.includes('"event":"queue.job_done"') && l.includes('renew_watch:renewed'))).toBe(
        true,
      );
    });

    it('leaves a watch with days to run alone', async () => {
      await update({ lastSyncAt: Date.now(), watchExpiresAt: Date.now() + 5 * DAY });
      const before = watchCalls();
      expect(await runScheduled(p.rt.services)).toMatchObject({ queued: 0 });
      await p.rt.settle();
      expect(watchCalls()).toBe(before);
    });

    it('does not queue a renewal for an account that needs reconnecting, and a message for one renews nothing', async () => {
      await update({ watchExpiresAt: Date.now() - 1, status: 'reconnect_needed' });
      const before = watchCalls();
      expect(await runScheduled(p.rt.services)).toMatchObject({ queued: 0 });
      expect(await renewWatch(p.rt.services, p.accountId)).toBe('not_due');
      expect(watchCalls()).toBe(before);
    });

    it('a renewal queued twice renews once: the second finds the watch no longer due', async () => {
      await update({ lastSyncAt: Date.now(), watchExpiresAt: Date.now() + 1000 });
      const before = watchCalls();
      await p.rt.services.queue.sendBatch!([{ accountId: p.accountId, job: 'renew_watch' }]);
      await p.rt.settle();
      await p.rt.services.queue.sendBatch!([{ accountId: p.accountId, job: 'renew_watch' }]);
      await p.rt.settle();
      expect(watchCalls()).toBe(before + 1);
      expect(p.rt.logs.some((l) => l.includes('renew_watch:not_due'))).toBe(true);
    });

    it('marks the account for reconnection when the grant was revoked, counts it, and does not retry', async () => {
      await update({ lastSyncAt: Date.now(), watchExpiresAt: Date.now() + 1000 });
      p.google.revokeAll(p.mailbox);
      await runScheduled(p.rt.services);
      await p.rt.settle();
      expect((await p.connection())!.status).toBe('reconnect_needed');
      expect(await p.counters()).toMatchObject({ 'error:reconnect_needed': 1 });
      expect(p.rt.logs.some((l) => l.includes('"event":"queue.retry"'))).toBe(false);
    });

    it('a failed renewal is counted and retried through the queue with backoff, like a sync; the retry renews', async () => {
      const old = Date.now() + 1000;
      await update({ lastSyncAt: Date.now(), watchExpiresAt: old });
      p.google.failNext('watch', { status: 503 });
      await runScheduled(p.rt.services);
      await p.rt.settle();
      expect(await p.counters()).toMatchObject({ 'error:gmail_unavailable': 1 });
      const retry = p.rt.logs.find((l) => l.includes('"event":"queue.retry"'));
      expect(retry).toMatch(/"reason":"renew_watch".*"errorClass":"gmail_unavailable"/);
      expect((await p.connection())!.watchExpiresAt).toBeGreaterThan(old + 6 * DAY);
    });

    it('a renewal that runs out of retries is counted as dead-lettered and queued again by the next tick', async () => {
      await update({ lastSyncAt: Date.now(), watchExpiresAt: Date.now() + 1000 });
      await consumeDeadLetters(p.rt.services, [delivery({ accountId: p.accountId, job: 'renew_watch' })]);
      expect(await p.counters()).toMatchObject({ 'error:dead_lettered': 1 });
      // Nothing else to mark: no sync rerun is asked for, and the watch is still due.
      expect((await p.connection())!.syncRerunRequested).toBe(false);
      expect(await runScheduled(p.rt.services)).toMatchObject({ queued: 1 });
      expect(p.rt.queueMessages).toEqual([renewal()]);
    });

    it('soonest-ending first, at most the limit per tick', async () => {
      const other = await secondMailbox(p);
      await update({ watchExpiresAt: Date.now() + 2000 });
      await p.rt.services.db
        .update(gmailConnections)
        .set({ watchExpiresAt: Date.now() + 1000 })
        .where(eq(gmailConnections.accountId, other));
      expect(await watchesDueForRenewal(p.rt.services, 1)).toEqual([other]);
      expect(await watchesDueForRenewal(p.rt.services, 5)).toEqual([other, p.accountId]);
    });
  });

  describe('steps', () => {
    it('runs extra steps, queues each account once however many steps ask, and survives a failing step', async () => {
      await update({ lastSyncAt: 0, lastPushAt: null, watchExpiresAt: Date.now() + 5 * DAY });
      const ran: string[] = [];
      const steps: ScheduledStep[] = [
        ...SCHEDULED_STEPS,
        {
          name: 'broken',
          run: async () => {
            ran.push('broken');
            throw new Error('boom');
          },
        },
        {
          name: 'also_wants_sync',
          run: async () => {
            ran.push('also');
            return { messages: [{ accountId: p.accountId }] };
          },
        },
      ];
      expect(await runScheduled(p.rt.services, steps)).toEqual({ queued: 1, failedSteps: ['broken'] });
      expect(ran).toEqual(['broken', 'also']);
      expect(p.rt.queueMessages).toEqual([JSON.stringify({ accountId: p.accountId })]);
      expect(p.rt.logs.some((l) => l.includes('cron.step_failed') && l.includes('broken'))).toBe(true);
    });
  });
});
