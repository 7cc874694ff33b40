import { and, eq, isNotNull } from 'drizzle-orm';
import { gmailConnections } from '../db/schema';
import type { Services } from '../services';

/** A push that has been quiet this long makes the cron poll the account instead. */
export const QUIET_AFTER_MS = 15 * 60_000;

/**
 * The cron step: queue a sync for every connected account whose push has gone quiet, so mail is
 * never missed when Pub/Sub drops a notification. Watch renewal joins this step with the pipeline work.
 */
export async function runScheduled(s: Services): Promise<{ queued: number }> {
  const rows = await s.db
    .select({ accountId: gmailConnections.accountId, lastSyncAt: gmailConnections.lastSyncAt, lastPushAt: gmailConnections.lastPushAt })
    .from(gmailConnections)
    .where(and(eq(gmailConnections.status, 'active'), isNotNull(gmailConnections.sealedRefreshToken)));
  const now = s.now();
  let queued = 0;
  for (const row of rows) {
    const lastActivity = Math.max(row.lastSyncAt ?? 0, row.lastPushAt ?? 0);
    if (now - lastActivity < QUIET_AFTER_MS) continue;
    await s.queue.send({ accountId: row.accountId });
    queued++;
  }
  s.logger.info('cron.done', { count: queued });
  return { queued };
}
