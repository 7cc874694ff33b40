import { and, eq, inArray, isNotNull, isNull, lt, or } from 'drizzle-orm';
import { DRAFTING_STORE_STATUSES, markGmailReconnectNeeded, touchGmailConnection } from '../db/accounts';
import { bumpCounters } from '../db/counters';
import { gmailConnections, storeConnections } from '../db/schema';
import { resumePendingComplianceRequests } from '../compliance/perform';
import { sealedAs, type Services } from '../services';
import { purgeExpiredStoreNonces } from '../stores/woocommerce-connect';
import { reconcileWooWebhooks } from '../stores/woocommerce-webhooks';
import { classifyFailure } from './failures';

/** A push that has been quiet this long makes the cron poll the account instead. */
export const QUIET_AFTER_MS = 15 * 60_000;
/** Watches last about 7 days; renew the ones ending within a day (the cron runs every 5 minutes). */
export const RENEW_WATCH_WITHIN_MS = 24 * 60 * 60_000;

/**
 * One piece of cron work. A step may ask for accounts to be synced by returning their ids; the
 * cron queues each account once, however many steps asked, with a body of {accountId} only.
 */
export interface ScheduledStep {
  /** A short word for logs: 'poll_quiet', 'renew_watches', … */
  name: string;
  /** Anything else a step returns is its own business (tests, logs). */
  run(s: Services): Promise<{ syncAccountIds?: Iterable<string>; [other: string]: unknown } | void>;
}

/**
 * The cron's steps, in order. To add one (e.g. WooCommerce webhook reconciliation, issue 5),
 * export it from its own module and append it here; runScheduled needs no change. Each step runs
 * even when an earlier one failed.
 */
export const SCHEDULED_STEPS: ScheduledStep[] = [
  { name: 'poll_quiet', run: pollQuietAccounts },
  { name: 'renew_watches', run: renewExpiringWatches },
  // WooCommerce disables a webhook after repeated failed deliveries and never retries it.
  { name: 'woocommerce_webhooks', run: async (s) => ({ ...(await reconcileWooWebhooks(s)) }) },
  // Compliance requests left open by a crash or a budget overrun (webhooks/shopify.ts).
  { name: 'compliance', run: (s) => resumePendingComplianceRequests(s) },
  { name: 'store_nonces', run: async (s) => ({ purged: await purgeExpiredStoreNonces(s) }) },
];

/** The cron entry (Workers `scheduled`, the Node timer). */
export async function runScheduled(s: Services, steps: readonly ScheduledStep[] = SCHEDULED_STEPS): Promise<{ queued: number; failedSteps: string[] }> {
  const toSync = new Set<string>();
  const failedSteps: string[] = [];
  for (const step of steps) {
    const started = s.now();
    try {
      const result = await step.run(s);
      for (const id of result?.syncAccountIds ?? []) toSync.add(id);
      s.logger.debug('cron.step_done', { reason: step.name, ms: s.now() - started });
    } catch (err) {
      failedSteps.push(step.name);
      s.logger.error('cron.step_failed', { reason: step.name, errorClass: classifyFailure(err).class });
    }
  }
  for (const accountId of toSync) await s.queue.send({ accountId });
  s.logger.info('cron.done', { count: toSync.size });
  return { queued: toSync.size, failedSteps };
}

/**
 * Accounts to poll: connected (not waiting for a reconnect), with a live store, and either quiet
 * for QUIET_AFTER_MS (Pub/Sub may have dropped a notification) or holding a rerun request that an
 * expired lease left behind (the run that should have honoured it died).
 */
export async function pollQuietAccounts(s: Services): Promise<{ syncAccountIds: string[] }> {
  const now = s.now();
  const rows = await s.db
    .select({
      accountId: gmailConnections.accountId,
      lastSyncAt: gmailConnections.lastSyncAt,
      lastPushAt: gmailConnections.lastPushAt,
      rerun: gmailConnections.syncRerunRequested,
      leaseUntil: gmailConnections.syncLeaseUntil,
    })
    .from(gmailConnections)
    .innerJoin(storeConnections, eq(storeConnections.accountId, gmailConnections.accountId))
    .where(and(eq(gmailConnections.status, 'active'), isNotNull(gmailConnections.sealedRefreshToken), inArray(storeConnections.status, [...DRAFTING_STORE_STATUSES])));
  const ids: string[] = [];
  for (const row of rows) {
    const quiet = now - Math.max(row.lastSyncAt ?? 0, row.lastPushAt ?? 0) >= QUIET_AFTER_MS;
    const orphanedRerun = row.rerun && (row.leaseUntil === null || row.leaseUntil < now);
    if (quiet || orphanedRerun) ids.push(row.accountId);
  }
  return { syncAccountIds: ids };
}

/**
 * Renews Gmail watches that end within RENEW_WATCH_WITHIN_MS (or were never set): users.watch, then
 * the new expiry is stored. The history cursor is left alone: it says what we handled, not where the
 * watch starts. A revoked grant marks the account for reconnection; any other failure is counted
 * and left for the next cron run, without holding up the other accounts.
 */
export async function renewExpiringWatches(s: Services): Promise<{ renewed: number; failed: number }> {
  const now = s.now();
  const rows = await s.db
    .select({ accountId: gmailConnections.accountId, sealedRefreshToken: gmailConnections.sealedRefreshToken })
    .from(gmailConnections)
    .where(
      and(
        eq(gmailConnections.status, 'active'),
        isNotNull(gmailConnections.sealedRefreshToken),
        or(isNull(gmailConnections.watchExpiresAt), lt(gmailConnections.watchExpiresAt, now + RENEW_WATCH_WITHIN_MS)),
      ),
    );
  let renewed = 0;
  let failed = 0;
  for (const row of rows) {
    try {
      const refreshToken = await s.sealer.open(row.sealedRefreshToken!, sealedAs.gmailRefreshToken(row.accountId));
      const watch = await s.openMailbox(refreshToken).watch(s.config.google.pubsubTopic);
      await touchGmailConnection(s.db, row.accountId, { watchExpiresAt: watch.expiration });
      renewed++;
    } catch (err) {
      failed++;
      const failure = classifyFailure(err);
      await bumpCounters(s.db, row.accountId, { [`error:${failure.class}`]: 1 }, s.now());
      if (failure.class === 'reconnect_needed') {
        await markGmailReconnectNeeded(s.db, row.accountId, { sealedRefreshToken: row.sealedRefreshToken! });
      }
      s.logger.warn('cron.watch_renewal_failed', { accountId: row.accountId, errorClass: failure.class });
    }
  }
  if (rows.length) s.logger.info('cron.watches_renewed', { count: renewed });
  return { renewed, failed };
}
