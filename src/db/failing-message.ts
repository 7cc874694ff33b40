import { sql } from 'drizzle-orm';
import type { Db } from './client';
import { gmailConnections as g } from './schema';

/**
 * Counts one more failed run for a message, by its tag (a keyed hash of the Gmail id): the count
 * starts again at 1 when a different message is the one failing. One conditional UPDATE, and only
 * while the run holds the account's lease. Returns the count and when this message first failed,
 * or null when the lease is no longer ours.
 */
export async function recordFailingMessage(
  db: Db,
  accountId: string,
  tag: string,
  leaseOwner: string,
  now: number,
): Promise<{ attempts: number; since: number } | null> {
  const same = sql`${g.failingMessageTag} IS ${tag}`;
  const rows = await db
    .update(g)
    .set({
      failingMessageAttempts: sql`CASE WHEN ${same} THEN ${g.failingMessageAttempts} + 1 ELSE 1 END`,
      failingMessageSince: sql`CASE WHEN ${same} THEN coalesce(${g.failingMessageSince}, ${now}) ELSE ${now} END`,
      failingMessageTag: tag,
    })
    .where(sql`${g.accountId} = ${accountId} AND ${g.syncLeaseOwner} = ${leaseOwner}`)
    .returning({ attempts: g.failingMessageAttempts, since: g.failingMessageSince });
  const row = rows[0];
  return row ? { attempts: row.attempts, since: row.since ?? now } : null;
}
