import { QUEUE_BATCH_MAX, wireMessage, type Delivery, type JobQueue, type QueueMessage } from './queue';

/**
 * In-process stand-in for a Cloudflare Queue on Node: at-least-once delivery in batches of what
 * is waiting (at most maxBatchSize, as wrangler.toml's max_batch_size), per-message ack/retry with
 * delay, a retry limit and a dead-letter callback. One batch is handled at a time. Like Cloudflare's,
 * it does not de-duplicate: two identical messages are two deliveries (the consumer makes the
 * repeats of one sync in a batch one sync, consume.ts).
 */
export interface MemoryQueueOptions {
  consume: (batch: Delivery[]) => Promise<void>;
  /** Retries after the first delivery, as wrangler.toml's max_retries (5). */
  maxRetries?: number;
  /** 10, as wrangler.toml's max_batch_size. */
  maxBatchSize?: number;
  onDeadLetter?: (message: QueueMessage) => void;
  /** Every message as sent, for tests that check queue payloads carry nothing but ids. */
  onSend?: (serialised: string) => void;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

export interface MemoryQueue extends Required<JobQueue> {
  /** Resolves when no message is pending or in flight (retries with a delay included). */
  idle(): Promise<void>;
}

export function createMemoryQueue(options: MemoryQueueOptions): MemoryQueue {
  const maxRetries = options.maxRetries ?? 5;
  const maxBatchSize = Math.max(1, options.maxBatchSize ?? 10);
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const pending: { body: QueueMessage; attempts: number }[] = [];
  let delayed = 0;
  let running = false;
  let waiters: (() => void)[] = [];

  const settleIfIdle = () => {
    if (!running && pending.length === 0 && delayed === 0) {
      const w = waiters;
      waiters = [];
      w.forEach((fn) => fn());
    }
  };

  const enqueue = (body: QueueMessage, attempts: number) => {
    pending.push({ body, attempts });
    void pump();
  };

  const pump = async () => {
    if (running) return;
    running = true;
    try {
      while (pending.length) {
        const taken = pending.splice(0, maxBatchSize);
        const outcomes: ('ack' | { delaySeconds: number } | undefined)[] = taken.map(() => undefined);
        const batch = taken.map(
          (item, i): Delivery => ({
            body: JSON.parse(JSON.stringify(item.body)),
            attempts: item.attempts,
            ack: () => void (outcomes[i] ??= 'ack'),
            retry: (o) => void (outcomes[i] ??= { delaySeconds: o?.delaySeconds ?? 0 }),
          }),
        );
        let failed = false;
        try {
          await options.consume(batch);
        } catch {
          failed = true;
        }
        taken.forEach((item, i) => {
          const outcome = outcomes[i] ?? (failed ? { delaySeconds: 0 } : undefined);
          if (!outcome || outcome === 'ack') return;
          // Cloudflare delivers a message max_retries + 1 times before it dead-letters it
          // (developers.cloudflare.com/queues/configuration/dead-letter-queues/; Miniflare: maxRetries + 1).
          if (item.attempts > maxRetries) {
            try {
              options.onDeadLetter?.(item.body);
            } catch {
              // The dead-letter callback's failure must not strand the rest of the batch.
            }
            return;
          }
          delayed++;
          setTimer(() => {
            delayed--;
            enqueue(item.body, item.attempts + 1);
            settleIfIdle();
          }, outcome.delaySeconds * 1000);
        });
      }
    } finally {
      running = false;
      settleIfIdle();
    }
  };

  // What goes in is what a Cloudflare Queue would carry: one of the message shapes, copied.
  const put = (message: QueueMessage) => {
    const serialised = JSON.stringify(wireMessage(message));
    options.onSend?.(serialised);
    enqueue(JSON.parse(serialised) as QueueMessage, 1);
  };

  return {
    async send(message) {
      put(message);
    },
    // As Workers Queues: all or nothing, at most QUEUE_BATCH_MAX (a cron that forgets to split fails here too).
    async sendBatch(messages) {
      if (messages.length > QUEUE_BATCH_MAX) throw new Error('queue batch over 100 messages');
      // workerd: "TypeError: sendBatch() requires at least one message".
      if (messages.length === 0) throw new TypeError('sendBatch() requires at least one message');
      const checked = messages.map(wireMessage);
      for (const message of checked) put(message);
    },
    idle() {
      return new Promise((resolve) => {
        waiters.push(resolve);
        settleIfIdle();
      });
    },
  };
}
