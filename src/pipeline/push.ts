import { eq } from 'drizzle-orm';
import { mailboxCounterUpsert } from '../db/counters';
import { gmailConnections } from '../db/schema';
import type { Services } from '../services';

/**
 * What a verified Gmail notification leads to. Only `queued` makes work; everything else is
 * acknowledged as it is, because Pub/Sub redelivering it could not change the answer.
 */
export type PushOutcome = 'queued' | 'unknown_mailbox' | 'reconnect_needed' | 'already_synced';

/**
 * A verified Gmail notification: {emailAddress, historyId}. Counts it for the account and queues
 * one {accountId} message, unless there is nothing to do: an unknown mailbox (logged without the
 * address, since there is no account to count against), an account waiting for a reconnect, or a
 * historyId the cursor has already passed (a late or repeated notification).
 */
export async function acceptGmailPush(
  s: Services,
  push: { emailAddress: string; historyId: string },
): Promise<PushOutcome> {
  const mailbox = push.emailAddress.trim().toLowerCase();
  const now = s.now();
  // One round trip (one HTTP request to Turso from a Worker): the push time is set and the
  // connection read back in one statement, and the notification counted for the same row.
  const [[connection]] = await s.db.batch([
    s.db.update(gmailConnections).set({ lastPushAt: now }).where(eq(gmailConnections.mailbox, mailbox)).returning({
      accountId: gmailConnections.accountId,
      status: gmailConnections.status,
      sealedRefreshToken: gmailConnections.sealedRefreshToken,
      historyCursor: gmailConnections.historyCursor,
    }),
    mailboxCounterUpsert(s.db, mailbox, 'notifications', now),
  ]);
  if (!connection) {
    s.logger.info('push.unknown_mailbox');
    return 'unknown_mailbox';
  }
  const { accountId } = connection;
  let outcome: PushOutcome = 'queued';
  if (connection.status !== 'active' || !connection.sealedRefreshToken) outcome = 'reconnect_needed';
  else if (connection.historyCursor && BigInt(push.historyId) <= BigInt(connection.historyCursor))
    outcome = 'already_synced';
  else await s.queue.send({ accountId });
  s.logger.debug('push.accepted', { accountId, reason: outcome });
  return outcome;
}
