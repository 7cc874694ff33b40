import { createApp } from './app';
import { ConfigError, parseConfig } from './config';
import { openWebDb } from './db/web';
import { cloudflareClientAddress } from './http/client-address';
import { consumeDeadLetters, consumeSyncBatch } from './pipeline/consume';
import { createLogger } from './platform/log';
import { meteredFetch } from './platform/subrequests';
import { wireMessage, type QueueMessage } from './platform/queue';
import { runScheduled } from './pipeline/schedule';
import { createServices, type Services } from './services';

/**
 * Cloudflare Workers entry: HTTP (fetch), Cron Triggers (scheduled: only queues what is due) and
 * the sync queue (queue: syncs and the cron's jobs, each message its own piece of work).
 * The sandbox is not part of this bundle: a deployed Worker runs live and answers /sandbox with 404;
 * no environment variable switches it to the sandbox (DRAFTLINE_MODE=sandbox refuses to boot).
 * Minimal shapes of the Workers runtime types are declared here rather than pulling
 * @cloudflare/workers-types' globals into a project that also type-checks Node code.
 */
interface WorkerEnv {
  SYNC_QUEUE: {
    send(body: QueueMessage): Promise<void>;
    /** Up to 100 messages in one call (the cron's). */
    sendBatch(messages: readonly { body: QueueMessage }[]): Promise<void>;
  };
  [name: string]: unknown;
}
interface QueueBatch {
  /** The queue's name: the sync queue, or its dead-letter queue (wrangler.toml). */
  queue: string;
  messages: readonly {
    body: unknown;
    attempts: number;
    ack(): void;
    retry(options?: { delaySeconds?: number }): void;
  }[];
}
interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

let booted: { services: Services; app: ReturnType<typeof createApp> } | undefined;

function boot(env: WorkerEnv) {
  if (booted) return booted;
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  // Always live: a DRAFTLINE_MODE var other than `live` is a configuration error, never a sandbox.
  const config = parseConfig(vars, { runtime: 'worker' });
  const logger = createLogger(config.logLevel);
  const services = createServices({
    config,
    db: openWebDb(
      config.database.url,
      config.database.authToken,
      meteredFetch((input, init) => fetch(input, init)),
    ),
    logger,
    fetch: (input, init) => fetch(input, init),
    // Only the message shapes go on the queue (platform/queue.ts), checked and copied here.
    queue: {
      send: (message) => env.SYNC_QUEUE.send(wireMessage(message)),
      sendBatch: (messages) => env.SYNC_QUEUE.sendBatch(messages.map((m) => ({ body: wireMessage(m) }))),
    },
  });
  booted = { services, app: createApp({ services, clientAddress: cloudflareClientAddress }) };
  return booted;
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: WaitUntil): Response | Promise<Response> {
    try {
      return boot(env).app.fetch(request, env, ctx as never);
    } catch (err) {
      // The config error names the missing settings, never their values.
      if (err instanceof ConfigError) console.error(err.message);
      return Response.json(
        { error: { code: 'misconfigured', message: 'Service not configured.', requestId: null } },
        { status: 503 },
      );
    }
  },
  async scheduled(_controller: unknown, env: WorkerEnv, ctx: WaitUntil): Promise<void> {
    ctx.waitUntil(runScheduled(boot(env).services));
  },
  async queue(batch: QueueBatch, env: WorkerEnv): Promise<void> {
    const { services } = boot(env);
    if (batch.queue.endsWith('-dlq')) await consumeDeadLetters(services, batch.messages);
    else await consumeSyncBatch(services, batch.messages);
  },
};
