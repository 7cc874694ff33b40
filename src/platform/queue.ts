import { z } from 'zod';

/**
 * The work queue between triggers (push, cron, sandbox) and the work itself. On Workers this is a
 * Cloudflare Queue; on Node, memory-queue.ts, with the same ack/retry semantics.
 *
 * A message names one piece of work by opaque ids and nothing else: a sync is `{accountId}` (the
 * shape messages already in flight have), or, from a Gmail push, `{mailboxKey, historyId}` (the
 * mailbox's keyed hash and Gmail's counter, so the push handler needs no database); a cron job adds
 * `job`, and a compliance request is named by its record's id (it may have no account yet). Never a
 * mailbox, a shop, an address or content.
 */
const AccountId = z.string().min(1).max(64);
/** google/mailbox-key.ts: an HMAC in hex, which says nothing about the mailbox without the key. */
const MailboxKey = z.string().regex(/^[0-9a-f]{64}$/);
/** Gmail's historyId: a uint64 in decimal, without leading zeros. */
const HistoryId = z.string().regex(/^(0|[1-9][0-9]{0,19})$/);
/** compliance_requests.id as newId('cmp') makes it: random, so it says nothing about anyone. */
const ComplianceRequestId = z.string().regex(/^cmp_[a-z0-9]{1,40}$/);

const SHAPES = [
  z.strictObject({ accountId: AccountId }),
  z.strictObject({ mailboxKey: MailboxKey, historyId: HistoryId }),
  z.strictObject({ accountId: AccountId, job: z.literal('renew_watch') }),
  z.strictObject({ accountId: AccountId, job: z.literal('repair_store') }),
  z.strictObject({ requestId: ComplianceRequestId, job: z.literal('compliance') }),
] as const;

export const QueueMessageSchema = z.union(SHAPES);

/**
 * The one shape a message's keys allow, so a message is checked against it alone: a union tries
 * its members in turn, and each miss costs zod an error report (every queue message is parsed
 * twice, when sent and when consumed).
 */
const SHAPE_BY_KEYS = new Map<string, z.ZodType<QueueMessage>>([
  ['accountId', SHAPES[0]],
  ['historyId,mailboxKey', SHAPES[1]],
  ['accountId,job', z.union([SHAPES[2], SHAPES[3]])],
  ['job,requestId', SHAPES[4]],
]);

/** A message checked against the queue's shapes; null when it has none of them. */
export function parseQueueMessage(body: unknown): QueueMessage | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const shape = SHAPE_BY_KEYS.get(Object.keys(body).sort().join());
  const parsed = shape?.safeParse(body);
  return parsed?.success ? parsed.data : null;
}

export type QueueMessage = z.infer<typeof QueueMessageSchema>;
/** A sync: of an account (cron, rerun, hand-over), or of the mailbox a push named. */
export type SyncMessage = Exclude<QueueMessage, { job: string }>;
export type PushMessage = Extract<QueueMessage, { mailboxKey: string }>;
export type JobName = Exclude<QueueMessage, SyncMessage>['job'];

/** Cloudflare Queues' `sendBatch` takes at most 100 messages. */
export const QUEUE_BATCH_MAX = 100;

export interface JobQueue {
  /** One sync message (a push, a sync's rerun). */
  send(message: SyncMessage): Promise<void>;
  /**
   * Up to QUEUE_BATCH_MAX messages of any shape in one call (one subrequest on Workers). Optional
   * only because a queue that never carries cron work (the bench's) need not have it.
   */
  sendBatch?(messages: readonly QueueMessage[]): Promise<void>;
}

/**
 * A message exactly as it goes on the wire: checked against the shapes above and copied, so a bug
 * that adds a field fails here instead of putting it in the queue. The error names no value.
 */
export function wireMessage(message: unknown): QueueMessage {
  const parsed = parseQueueMessage(message);
  if (!parsed) throw new Error('queue message of unknown shape');
  return parsed;
}

/** The same piece of work gives the same key (for de-duplication). */
export function messageKey(message: QueueMessage): string {
  return JSON.stringify(wireMessage(message));
}

/**
 * Sends up to QUEUE_BATCH_MAX messages in one call where the queue can; none, no call (Workers'
 * sendBatch throws on an empty batch). A queue without sendBatch carries syncs only; a job for it
 * is a programming error.
 */
export async function sendBatch(queue: JobQueue, messages: readonly QueueMessage[]): Promise<void> {
  if (messages.length > QUEUE_BATCH_MAX) throw new Error('queue batch over 100 messages');
  if (messages.length === 0) return;
  if (queue.sendBatch) return queue.sendBatch(messages);
  for (const m of messages) await queue.send(asSync(m));
}

function asSync(message: QueueMessage): SyncMessage {
  if ('job' in message) throw new Error('this queue carries sync messages only');
  return message;
}

/** One delivered message, shaped like Cloudflare's `Message` so one consumer serves both runtimes. */
export interface Delivery {
  readonly body: unknown;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}
