import { mailboxKeyOf } from '../google/mailbox-key';
import type { Services } from '../services';

/**
 * A verified Gmail notification: {emailAddress, historyId}. Queues one {mailboxKey, historyId}
 * message and nothing else: no database round trip here. The sync it starts finds the account by
 * the key, counts the notification, notes when it came, and does no work for an unknown mailbox, an
 * account waiting for a reconnect or a historyId its cursor has passed (pipeline/sync.ts), all in
 * the round trip that takes the lease.
 */
export async function acceptGmailPush(s: Services, push: { emailAddress: string; historyId: string }): Promise<void> {
  const mailboxKey = await mailboxKeyOf(s.config.secrets.hashKey, push.emailAddress);
  await s.queue.send({ mailboxKey, historyId: push.historyId });
  s.logger.debug('push.queued');
}
