import { and, asc, eq, inArray, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { DRAFTING_STORE_STATUSES } from '../db/accounts';
import { gmailConnections, storeConnections } from '../db/schema';
import { pendingComplianceRequestIds } from '../compliance/records';
import { RESUME_COMPLIANCE_AFTER_MS } from '../compliance/perform';
import { messageKey, QUEUE_BATCH_MAX, sendBatch, type QueueMessage } from '../platform/queue';
import type { Services } from '../services';
import { purgeExpiredStoreNonces } from '../accounts/store-nonces';
import { wooStoresDueForRepair } from './woo-store-repair';
import { classifyFailure } from './failures';
import { watchesDueForRenewal } from './watch-renewal';

export { RENEW_WATCH_WITHIN_MS } from './watch-renewal';

/** A push that has been quiet this long makes the cron poll the account instead. */
export const QUIET_AFTER_MS = 15 * 60_000;
/**
 * At most this many units of work per step per tick, the most overdue first; the rest wait for the
 * next tick (5 minutes). Keeps the cron's own work constant: one SELECT per step, and at most
 * 4 × 300 / 100 = 12 sendBatch calls, whatever the number of accounts.
 */
export const DUE_PER_TICK = 300;

/**
 * One piece of cron work. The cron only finds what is due (one cheap, bounded SELECT) and queues
 * one message per account or request; the work itself runs in its own queue invocation
 * (consume.ts), so the cron's subrequests do not grow with the number of accounts.
 */
export interface ScheduledStep {
  /** A short word for logs: 'poll_quiet', 'renew_watches', … */
  name: string;
  /** Anything else a step returns is its own business (tests, logs). */
  run(s: Services): Promise<{ messages?: readonly QueueMessage[]; [other: string]: unknown } | void>;
}

/**
 * The cron's steps, in order. To add one, export its due-selector from its own module and append it
 * here; runScheduled needs no change. Each step runs even when an earlier one failed.
 */
export const SCHEDULED_STEPS: ScheduledStep[] = [
  {
    name: 'poll_quiet',
    run: async (s) => ({ messages: (await pollQuietAccounts(s)).syncAccountIds.map((accountId) => ({ accountId })) }),
  },
  {
    name: 'renew_watches',
    run: async (s) => ({
      messages: (await watchesDueForRenewal(s, DUE_PER_TICK)).map((accountId) => ({
        accountId,
        job: 'renew_watch' as const,
      })),
    }),
  },
  // WooCommerce disables a webhook after repeated failed deliveries and never retries it.
  {
    name: 'woocommerce_webhooks',
    run: async (s) => ({
      messages: (await wooStoresDueForRepair(s, DUE_PER_TICK)).map((accountId) => ({
        accountId,
        job: 'repair_store' as const,
      })),
    }),
  },
  // Compliance requests left open by a crash or a budget overrun (webhooks/shopify.ts).
  {
    name: 'compliance',
    run: async (s) => ({
      messages: (await pendingComplianceRequestIds(s.db, s.now() - RESUME_COMPLIANCE_AFTER_MS, DUE_PER_TICK)).map(
        (requestId) => ({
          requestId,
          job: 'compliance' as const,
        }),
      ),
    }),
  },
  // One statement: no reason to queue it.
  { name: 'store_nonces', run: async (s) => ({ purged: await purgeExpiredStoreNonces(s) }) },
];

/**
 * The cron entry (Workers `scheduled`, the Node timer): every step's messages, each piece of work
 * once however many steps asked, sent QUEUE_BATCH_MAX at a time. A batch the queue refuses is
 * logged and reported as the 'enqueue' step; its work is still due next tick.
 */
export async function runScheduled(
  s: Services,
  steps: readonly ScheduledStep[] = SCHEDULED_STEPS,
): Promise<{ queued: number; failedSteps: string[] }> {
  const toSend = new Map<string, QueueMessage>();
  const failedSteps: string[] = [];
  for (const step of steps) {
    const started = s.now();
    try {
      const result = await step.run(s);
      for (const message of result?.messages ?? []) toSend.set(messageKey(message), message);
      s.logger.debug('cron.step_done', {
        reason: step.name,
        count: result?.messages?.length ?? 0,
        ms: s.now() - started,
      });
    } catch (err) {
      failedSteps.push(step.name);
      s.logger.error('cron.step_failed', { reason: step.name, errorClass: classifyFailure(err).class });
    }
  }
  const messages = [...toSend.values()];
  let queued = 0;
  for (let i = 0; i < messages.length; i += QUEUE_BATCH_MAX) {
    const chunk = messages.slice(i, i + QUEUE_BATCH_MAX);
    try {
      await sendBatch(s.queue, chunk);
      queued += chunk.length;
    } catch (err) {
      if (!failedSteps.includes('enqueue')) failedSteps.push('enqueue');
      s.logger.error('cron.enqueue_failed', { count: chunk.length, errorClass: classifyFailure(err).class });
    }
  }
  s.logger.info('cron.done', { count: queued });
  return { queued, failedSteps };
}

/**
 * Accounts to poll, at most DUE_PER_TICK, quietest first: connected (not waiting for a reconnect),
 * with a live store, and either quiet for QUIET_AFTER_MS (Pub/Sub may have dropped a notification)
 * or holding a rerun request that an expired lease left behind (the run that should have honoured
 * it died, or the dead-letter consumer asked for it).
 */
export async function pollQuietAccounts(s: Services, limit = DUE_PER_TICK): Promise<{ syncAccountIds: string[] }> {
  const now = s.now();
  const lastHeard = sql<number>`max(coalesce(${gmailConnections.lastSyncAt}, 0), coalesce(${gmailConnections.lastPushAt}, 0))`;
  const rows = await s.db
    .select({ accountId: gmailConnections.accountId })
    .from(gmailConnections)
    .innerJoin(storeConnections, eq(storeConnections.accountId, gmailConnections.accountId))
    .where(
      and(
        eq(gmailConnections.status, 'active'),
        isNotNull(gmailConnections.sealedRefreshToken),
        inArray(storeConnections.status, [...DRAFTING_STORE_STATUSES]),
        or(
          lte(lastHeard, now - QUIET_AFTER_MS),
          and(
            eq(gmailConnections.syncRerunRequested, true),
            or(isNull(gmailConnections.syncLeaseUntil), lt(gmailConnections.syncLeaseUntil, now)),
          ),
        ),
      ),
    )
    .orderBy(asc(lastHeard))
    .limit(limit);
  return { syncAccountIds: rows.map((r) => r.accountId) };
}
