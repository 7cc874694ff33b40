import { and, asc, eq, isNotNull, isNull, lt, or } from 'drizzle-orm';
import { markGmailReconnectNeeded, touchGmailConnection } from '../db/accounts';
import { bumpCounters } from '../db/counters';
import { gmailConnections } from '../db/schema';
import { sealedAs, type Services } from '../services';
import { classifyFailure } from './failures';

/** Watches last about 7 days; renew the ones ending within a day (the cron runs every 5 minutes). */
export const RENEW_WATCH_WITHIN_MS = 24 * 60 * 60_000;

/** Connected mailboxes whose watch ends within RENEW_WATCH_WITHIN_MS, or was never set. */
const due = (now: number) =>
  and(
    eq(gmailConnections.status, 'active'),
    isNotNull(gmailConnections.sealedRefreshToken),
    or(isNull(gmailConnections.watchExpiresAt), lt(gmailConnections.watchExpiresAt, now + RENEW_WATCH_WITHIN_MS)),
  );

/** The accounts whose watch is due, soonest to end first (never set counts as ended), at most `limit`. */
export async function watchesDueForRenewal(s: Services, limit: number): Promise<string[]> {
  const rows = await s.db
    .select({ accountId: gmailConnections.accountId })
    .from(gmailConnections)
    .where(due(s.now()))
    .orderBy(asc(gmailConnections.watchExpiresAt))
    .limit(limit);
  return rows.map((r) => r.accountId);
}

export type WatchRenewal = 'renewed' | 'not_due' | 'reconnect_needed';

/**
 * Renews one account's Gmail watch (a queue job): users.watch, then the new expiry is stored. The
 * history cursor is left alone: it says what we handled, not where the watch starts. Checked afresh,
 * so a message queued twice renews once. A failure is counted; a revoked grant marks the account for
 * reconnection (only while it still holds the token we used) and ends there; any other failure is
 * thrown for the queue to retry or give up on (the next cron tick finds the watch still due).
 */
export async function renewWatch(s: Services, accountId: string): Promise<WatchRenewal> {
  const [row] = await s.db
    .select({ sealedRefreshToken: gmailConnections.sealedRefreshToken })
    .from(gmailConnections)
    .where(and(eq(gmailConnections.accountId, accountId), due(s.now())));
  if (!row?.sealedRefreshToken) return 'not_due';
  const sealedRefreshToken = row.sealedRefreshToken;
  try {
    const refreshToken = await s.sealer.open(sealedRefreshToken, sealedAs.gmailRefreshToken(accountId));
    const watch = await s.openMailbox(refreshToken).watch(s.config.google.pubsubTopic);
    await touchGmailConnection(s.db, accountId, { watchExpiresAt: watch.expiration });
    s.logger.info('cron.watch_renewed', { accountId });
    return 'renewed';
  } catch (err) {
    const failure = classifyFailure(err);
    await bumpCounters(s.db, accountId, { [`error:${failure.class}`]: 1 }, s.now());
    s.logger.warn('cron.watch_renewal_failed', { accountId, errorClass: failure.class });
    if (failure.class !== 'reconnect_needed') throw err;
    await markGmailReconnectNeeded(s.db, accountId, { sealedRefreshToken });
    return 'reconnect_needed';
  }
}
