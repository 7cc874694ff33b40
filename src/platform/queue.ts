/**
 * The work queue between triggers (push, cron, sandbox) and sync. Messages carry an account id
 * and nothing else. On Workers this is a Cloudflare Queue; on Node, memory-queue.ts, with the same
 * ack/retry semantics.
 */
export interface SyncMessage {
  accountId: string;
}

export interface JobQueue {
  send(message: SyncMessage): Promise<void>;
}

/** One delivered message, shaped like Cloudflare's `Message` so one consumer serves both runtimes. */
export interface Delivery {
  readonly body: unknown;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}
