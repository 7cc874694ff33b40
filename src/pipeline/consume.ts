import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { bumpCounters } from '../db/counters';
import { gmailConnections } from '../db/schema';
import type { Delivery } from '../platform/queue';
import type { Services } from '../services';
import { classifyFailure, retryDelaySeconds } from './failures';
import { syncAccount, type SyncOptions } from './sync';

const SyncMessageBody = z.object({ accountId: z.string().min(1).max(64) }).strict();

/** Accounts of one batch synced side by side: a slow mailbox does not hold up the other nine. */
export const BATCH_CONCURRENCY = 3;

/**
 * The queue consumer, shared by Workers and Node: one sync per message (a few accounts of a batch side
 * by side), ack on success, retry with backoff and jitter (honouring Retry-After) when retrying can
 * help, ack and count when it cannot.
 * A malformed message is acked and dropped, since retrying cannot fix it.
 */
export async function consumeSyncBatch(s: Services, batch: readonly Delivery[], options: SyncOptions = {}): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < batch.length) await consumeOne(s, batch[next++]!, options);
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, batch.length) }, worker));
}

async function consumeOne(s: Services, delivery: Delivery, options: SyncOptions): Promise<void> {
  const body = SyncMessageBody.safeParse(delivery.body);
  if (!body.success) {
    s.logger.warn('queue.malformed_message');
    delivery.ack();
    return;
  }
  const { accountId } = body.data;
  const started = s.now();
  try {
    const result = await syncAccount(s, accountId, options);
    s.logger.debug('queue.synced', { accountId, ms: s.now() - started, reason: result.status });
    delivery.ack();
  } catch (err) {
    const failure = classifyFailure(err);
    if (!failure.retryable) {
      s.logger.error('queue.gave_up', { accountId, errorClass: failure.class, attempt: delivery.attempts });
      delivery.ack();
      return;
    }
    const delaySeconds = retryDelaySeconds(err, delivery.attempts);
    s.logger.warn('queue.retry', { accountId, errorClass: failure.class, attempt: delivery.attempts, ms: delaySeconds * 1000 });
    delivery.retry({ delaySeconds });
  }
}

/**
 * The dead-letter queue's consumer: a sync message that ran out of retries is not the end of the
 * road. The account is marked for the next cron pass (a rerun request with no lease, which
 * pollQuietAccounts picks up) and counted; the message is acked.
 */
export async function consumeDeadLetters(s: Services, batch: readonly Delivery[]): Promise<void> {
  for (const delivery of batch) {
    const body = SyncMessageBody.safeParse(delivery.body);
    if (body.success) {
      const { accountId } = body.data;
      await s.db.update(gmailConnections).set({ syncRerunRequested: true }).where(eq(gmailConnections.accountId, accountId));
      await bumpCounters(s.db, accountId, { 'error:dead_lettered': 1 }, s.now());
      s.logger.error('queue.dead_letter', { accountId });
    } else s.logger.warn('queue.malformed_message');
    delivery.ack();
  }
}
