import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gmailConnections } from '../../src/db/schema';
import { QUIET_AFTER_MS, runScheduled, SCHEDULED_STEPS, type ScheduledStep } from '../../src/pipeline/schedule';
import { startPipeline, type PipelineRuntime } from './support';

const DAY = 24 * 60 * 60_000;

describe('cron', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await startPipeline();
  });
  afterEach(() => p.close());

  const update = (fields: Partial<typeof gmailConnections.$inferInsert>) =>
    p.rt.services.db.update(gmailConnections).set(fields).where(eq(gmailConnections.accountId, p.accountId));
  const watchCalls = () => p.google.calls(p.mailbox)['watch'] ?? 0;

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
      await update({ lastSyncAt: Date.now(), syncLeaseOwner: 'dead', syncLeaseUntil: Date.now() - 1, syncRerunRequested: true });
      expect(await runScheduled(p.rt.services)).toMatchObject({ queued: 1 });
      await update({ syncLeaseUntil: Date.now() + 60_000 });
      p.rt.queueMessages.length = 0;
      expect(await runScheduled(p.rt.services)).toMatchObject({ queued: 0 });
    });
  });

  describe('watch renewal', () => {
    it('renews a watch ending within a day and stores the new expiry', async () => {
      await update({ lastSyncAt: Date.now(), watchExpiresAt: Date.now() + DAY / 2 });
      const before = watchCalls();
      await runScheduled(p.rt.services);
      expect(watchCalls()).toBe(before + 1);
      const expiresAt = (await p.connection())!.watchExpiresAt!;
      expect(expiresAt).toBeGreaterThan(Date.now() + 6 * DAY);
      expect(p.google.watchOf(p.mailbox)!.expiration).toBe(expiresAt);
      // A renewal is no reason to sync.
      expect(p.rt.queueMessages).toEqual([]);
    });

    it('leaves a watch with days to run alone', async () => {
      await update({ lastSyncAt: Date.now(), watchExpiresAt: Date.now() + 5 * DAY });
      const before = watchCalls();
      await runScheduled(p.rt.services);
      expect(watchCalls()).toBe(before);
    });

    it('does not renew for an account that needs reconnecting', async () => {
      await update({ watchExpiresAt: Date.now() - 1, status: 'reconnect_needed' });
      const before = watchCalls();
      await runScheduled(p.rt.services);
      expect(watchCalls()).toBe(before);
    });

    it('marks the account for reconnection when the grant was revoked, and counts it', async () => {
      await update({ lastSyncAt: Date.now(), watchExpiresAt: Date.now() + 1000 });
      p.google.revokeAll(p.mailbox);
      await runScheduled(p.rt.services);
      expect((await p.connection())!.status).toBe('reconnect_needed');
      expect(await p.counters()).toMatchObject({ 'error:reconnect_needed': 1 });
    });

    it('counts a failed renewal and keeps the old expiry for the next run', async () => {
      const old = Date.now() + 1000;
      await update({ lastSyncAt: Date.now(), watchExpiresAt: old });
      p.google.failNext('watch', { status: 503 });
      await runScheduled(p.rt.services);
      expect((await p.connection())!.watchExpiresAt).toBe(old);
      expect(await p.counters()).toMatchObject({ 'error:gmail_unavailable': 1 });
    });
  });

  describe('steps', () => {
    it('runs extra steps, queues each account once however many steps ask, and survives a failing step', async () => {
      await update({ lastSyncAt: 0, lastPushAt: null, watchExpiresAt: Date.now() + 5 * DAY });
      const ran: string[] = [];
      const steps: ScheduledStep[] = [
        ...SCHEDULED_STEPS,
        { name: 'broken', run: async () => { ran.push('broken'); throw new Error('boom'); } },
        { name: 'also_wants_sync', run: async () => { ran.push('also'); return { syncAccountIds: [p.accountId] }; } },
      ];
      expect(await runScheduled(p.rt.services, steps)).toEqual({ queued: 1, failedSteps: ['broken'] });
      expect(ran).toEqual(['broken', 'also']);
      expect(p.rt.queueMessages).toEqual([JSON.stringify({ accountId: p.accountId })]);
      expect(p.rt.logs.some((l) => l.includes('cron.step_failed') && l.includes('broken'))).toBe(true);
    });
  });
});
