import { z } from 'zod';
import type { Delivery } from '../platform/queue';
import type { Services } from '../services';
import { classifyFailure, retryDelaySeconds } from './failures';
import { syncAccount, type SyncOptions } from './sync';

const SyncMessageBody = z.object({ accountId: z.string().min(1).max(64) }).strict();

/**
 * The queue consumer, shared by Workers and Node: one sync per message, ack on success, retry with
 * backoff and jitter (honouring Retry-After) when retrying can help, ack and count when it cannot.
 * A malformed message is acked and dropped, since retrying cannot fix it.
 */
export async function consumeSyncBatch(s: Services, batch: readonly Delivery[], options: SyncOptions = {}): Promise<void> {
  for (const delivery of batch) {
    const body = SyncMessageBody.safeParse(delivery.body);
    if (!body.success) {
      s.logger.warn('queue.malformed_message');
      delivery.ack();
      continue;
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
        continue;
      }
      const delaySeconds = retryDelaySeconds(err, delivery.attempts);
      s.logger.warn('queue.retry', { accountId, errorClass: failure.class, attempt: delivery.attempts, ms: delaySeconds * 1000 });
      delivery.retry({ delaySeconds });
    }
  }
}
