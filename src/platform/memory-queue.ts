import type { Delivery, JobQueue, SyncMessage } from './queue';

/**
 * In-process stand-in for a Cloudflare Queue on Node: at-least-once delivery, per-message
 * ack/retry with delay, a retry limit and a dead-letter callback. One message is handled at a time,
 * and a message for an account that is already waiting is not queued twice (a second push while
 * the first is pending has nothing new to add).
 */
export interface MemoryQueueOptions {
  consume: (batch: Delivery[]) => Promise<void>;
  maxRetries?: number;
  onDeadLetter?: (message: SyncMessage) => void;
  /** Every message as sent, for tests that check queue payloads carry nothing but ids. */
  onSend?: (serialised: string) => void;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

export interface MemoryQueue extends JobQueue {
  /** Resolves when no message is pending or in flight (retries with a delay included). */
  idle(): Promise<void>;
}

export function createMemoryQueue(options: MemoryQueueOptions): MemoryQueue {
  const maxRetries = options.maxRetries ?? 5;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const pending: { body: SyncMessage; attempts: number }[] = [];
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

  const enqueue = (body: SyncMessage, attempts: number) => {
    if (!pending.some((m) => m.body.accountId === body.accountId)) pending.push({ body, attempts });
    void pump();
  };

  const pump = async () => {
    if (running) return;
    running = true;
    try {
      let item: { body: SyncMessage; attempts: number } | undefined;
      while ((item = pending.shift())) {
        const current = item;
        let outcome: 'ack' | { delaySeconds: number } | undefined;
        const delivery: Delivery = {
          body: JSON.parse(JSON.stringify(current.body)),
          attempts: current.attempts,
          ack: () => void (outcome ??= 'ack'),
          retry: (o) => void (outcome ??= { delaySeconds: o?.delaySeconds ?? 0 }),
        };
        try {
          await options.consume([delivery]);
        } catch {
          outcome ??= { delaySeconds: 0 };
        }
        if (outcome && outcome !== 'ack') {
          if (current.attempts >= maxRetries) {
            options.onDeadLetter?.(current.body);
          } else {
            delayed++;
            setTimer(() => {
              delayed--;
              enqueue(current.body, current.attempts + 1);
              settleIfIdle();
            }, outcome.delaySeconds * 1000);
          }
        }
      }
    } finally {
      running = false;
      settleIfIdle();
    }
  };

  return {
    async send(message) {
      const serialised = JSON.stringify({ accountId: message.accountId });
      options.onSend?.(serialised);
      enqueue(JSON.parse(serialised) as SyncMessage, 1);
    },
    idle() {
      return new Promise((resolve) => {
        waiters.push(resolve);
        settleIfIdle();
      });
    },
  };
}
