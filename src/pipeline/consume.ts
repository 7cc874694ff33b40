import { z } from 'zod';
import { GmailApiError } from '../google/gmail';
import { errorClass } from '../platform/log';
import type { Delivery } from '../platform/queue';
import type { Services } from '../services';
import { syncAccount } from './sync';

const SyncMessageBody = z.object({ accountId: z.string().min(1).max(64) }).strict();

/**
 * The queue consumer, shared by Workers and Node: one sync per message, ack on success,
 * retry with backoff (honouring Gmail's Retry-After) on failure. A malformed message is acked
 * and dropped, since retrying cannot fix it.
 */
export async function consumeSyncBatch(s: Services, batch: readonly Delivery[]): Promise<void> {
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
      const result = await syncAccount(s, accountId);
      s.logger.debug('queue.synced', { accountId, ms: s.now() - started, reason: result.status });
      delivery.ack();
    } catch (err) {
      const delaySeconds = retryDelaySeconds(err, delivery.attempts);
      s.logger.warn('queue.retry', { accountId, errorClass: errorClass(err), attempt: delivery.attempts });
      delivery.retry({ delaySeconds });
    }
  }
}

/** Exponential backoff with jitter, at least what the provider asked for in Retry-After. */
export function retryDelaySeconds(err: unknown, attempts: number, random: () => number = Math.random): number {
  const asked = err instanceof GmailApiError && err.retryAfterSeconds ? err.retryAfterSeconds : 0;
  const backoff = Math.min(300, 2 ** Math.max(0, attempts - 1));
  return Math.max(asked, Math.round(backoff * (0.5 + random() / 2)));
}
