import type { Hono } from 'hono';
import type { Config } from '../config';
import { createApp } from '../app';
import type { Db } from '../db/client';
import type { FetchLike } from '../platform/fetch';
import { createLogger, type LogSink } from '../platform/log';
import { loopbackFetch } from '../platform/loopback-fetch';
import { createMemoryQueue, type MemoryQueue } from '../platform/memory-queue';
import type { Delivery, QueueMessage } from '../platform/queue';
import { consumeDeadLetters, consumeSyncBatch } from '../pipeline/consume';
import { createSandbox } from '../sandbox';
import { createServices, type Services } from '../services';

/**
 * The app as it runs in one Node process: services, an in-process queue with Cloudflare Queues'
 * semantics, and in sandbox mode the fakes, reached in-process through the same clients.
 * src/node.ts serves it; tests build it directly with their own database file and log sink.
 */
export interface LocalRuntimeOptions {
  config: Config;
  db: Db;
  /** Where requests to real outside services go (tests pass one that refuses the network). */
  fetch?: FetchLike;
  logSink?: LogSink;
  onQueueSend?: (serialised: string) => void;
  now?: () => number;
  /**
   * For tests: wraps the fetch every client ends up using (sandbox fakes included), so a test can
   * inject network faults (hangs, dropped connections) where the real network would cause them.
   */
  wrapFetch?: (fetch: FetchLike) => FetchLike;
  /** Reported by /healthz as `runtime` (src/node.ts: 'node'); left out when not given. */
  runtime?: 'node';
}

export interface LocalRuntime {
  app: Hono;
  services: Services;
  queue: MemoryQueue;
  sandbox: ReturnType<typeof createSandbox> | null;
  /** Resolves once pushes, queued syncs and their retries are done. */
  settle(): Promise<void>;
}

export function createLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  const { config } = options;
  const logger = createLogger(config.logLevel, options.logSink);
  let app: Hono | undefined;
  const appFetch = async (req: Request) => app!.fetch(req);
  const outside = options.fetch ?? globalThis.fetch;
  const routed = config.mode === 'sandbox' ? loopbackFetch(`${config.appUrl}/sandbox/`, appFetch, outside) : outside;
  const fetch = options.wrapFetch ? options.wrapFetch(routed) : routed;

  let services: Services | undefined;
  const queue = createMemoryQueue({
    consume: (batch) => consumeSyncBatch(services!, batch),
    maxRetries: 5,
    onSend: options.onQueueSend,
    // As on Workers: what runs out of retries goes to the dead-letter consumer.
    onDeadLetter: (m) =>
      void consumeDeadLetters(services!, [deadLetter(m)]).catch(() => logger.error('queue.dead_letter_failed')),
  });
  services = createServices({ config, db: options.db, logger, fetch, queue, now: options.now });

  const sandbox = config.mode === 'sandbox' ? createSandbox({ services, appFetch, settle: () => queue.idle() }) : null;
  app = createApp({ services, sandbox: sandbox?.routes, runtime: options.runtime });
  return { app, services, queue, sandbox, settle: sandbox ? sandbox.settle : () => queue.idle() };
}

/** A dead-lettered message as the dead-letter queue would deliver it. */
function deadLetter(body: QueueMessage): Delivery {
  return { body, attempts: 1, ack: () => undefined, retry: () => undefined };
}
