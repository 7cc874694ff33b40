import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { createGoogleFake, type GoogleFake } from '../../src/sandbox/fakes/google';
import { createOpenAIFake, type OpenAIFake } from '../../src/sandbox/fakes/openai';
import { createShopifyFake } from '../../src/sandbox/fakes/shopify';
import { createWooCommerceFake } from '../../src/sandbox/fakes/woocommerce';
import { connectGmail, connectStore, createAccount } from '../../src/accounts/connect';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import * as schema from '../../src/db/schema';
import { migrateDb } from '../../src/db/node';
import { consumeSyncBatch } from '../../src/pipeline/consume';
import { createLogger } from '../../src/platform/log';
import { createMemoryQueue } from '../../src/platform/memory-queue';
import type { Delivery, JobQueue, SyncMessage } from '../../src/platform/queue';
import { createServices, type Services } from '../../src/services';
import type { Order } from '../../src/stores/order';
import { createRouter, waitUntil, type Router, type Service } from './router';

/**
 * The whole app in one process, wired like `npm start` in sandbox mode (same config, same clients,
 * same webhook, queue consumer and pipeline), except that the fakes sit behind a router that adds
 * latency per call and logs every call, and that any number of merchants can be connected.
 * The fakes are built here (not by src/sandbox) so that benchmarks can set their options.
 */
export const APP_URL = 'http://draftline.bench';
const GMAIL_SCOPES = [
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.compose',
];

export interface WorldOptions {
  latencyMs?: Partial<Record<Service, number>>;
  /** Rate at which the fake LLM plants one false fact in a reply (its "liar" mode). */
  plantFalseFacts?: number;
  /** Seed of the fake LLM (which replies get a planted fact). */
  llmSeed?: number;
  /**
   * 'serial': the in-process queue `npm start` uses (one sync at a time).
   * 'concurrent': every queued sync starts at once, as Cloudflare Queues scales consumers out.
   */
  queue?: 'serial' | 'concurrent';
}

export interface DbCall {
  start: number;
  end: number;
  /** The embedded engine's CPU in it. */
  cpuMicros: number;
}

export interface Merchant {
  accountId: string;
  mailbox: string;
}

export interface World {
  services: Services;
  router: Router;
  google: GoogleFake;
  openai: OpenAIFake;
  /** Database calls the app made so far (each `execute` and each `batch`: one round trip to Turso). */
  dbStatements(): number;
  /** SQL statements inside those calls (a batch of three counts three). */
  dbSqlStatements(): number;
  /** Every database call so far, with its start and end (the simulated latency included). */
  dbCalls: DbCall[];
  /**
   * Simulated round-trip latency of each database call (0 by default: the embedded file, as under
   * `npm start`). Set it like `router.latencyMs` to stand for Turso as Workers reach it.
   */
  dbLatency: { ms: number };
  /** CPU microseconds spent inside database calls so far (the embedded libSQL engine, fsync included). */
  dbCpuMicros(): number;
  addMerchant(o: { mailbox: string; store: 'shopify' | 'woocommerce'; orders: Order[] }): Promise<Merchant>;
  /** A message arrives in the mailbox: Gmail stores it and Pub/Sub pushes (not awaited). */
  arrive(
    mailbox: string,
    raw: string,
    opts?: { labelIds?: string[]; internalDate?: number },
  ): { id: string; threadId: string };
  /** Resolves once every push and every queued sync (with its retries) is done. */
  settle(): Promise<void>;
  close(): void;
}

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const dir = mkdtempSync(join(process.env.BENCH_DB_DIR ?? tmpdir(), 'draftline-bench-'));
  const config = parseConfig({
    APP_URL,
    DATABASE_URL: `file:${join(dir, 'bench.db')}`,
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
    HASH_KEY: 'bench-hash-key',
    DRAFTLINE_MODE: 'sandbox',
    LOG_LEVEL: 'warn',
  });

  // Count statements at the client: on Workers each call (one `execute`, or one `batch` however
  // many statements it holds) is one HTTP request to Turso, a round trip and a subrequest.
  const client = createClient({ url: config.database.url });
  // The embedded engine's CPU is measured too: on Workers the database is remote (Turso), so that
  // work is not the Worker's (meaningful only when statements do not overlap).
  let statements = 0;
  let sqlStatements = 0;
  let dbCpuMicros = 0;
  const dbCalls: DbCall[] = [];
  const dbLatency = { ms: 0 };
  for (const method of ['execute', 'batch'] as const) {
    const original = client[method].bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      statements++;
      sqlStatements += method === 'batch' && Array.isArray(args[0]) ? args[0].length : 1;
      const start = performance.now();
      // Turso is a round trip away, like every other service the router delays: a statement awaited
      // on its own costs the whole latency; one awaited side by side with another call overlaps it.
      // As there, the call lasts the latency in all, the engine's work inside it (Turso's work is
      // inside its answer time); the wait comes after the CPU measurement, never billed to the engine.
      if (dbLatency.ms > 0 && router.work === 'on_top') await sleep(dbLatency.ms);
      const cpu = process.cpuUsage();
      try {
        return await original(...args);
      } finally {
        const used = process.cpuUsage(cpu);
        dbCpuMicros += used.user + used.system;
        if (dbLatency.ms > 0 && router.work === 'inside') await waitUntil(start + dbLatency.ms);
        dbCalls.push({ start, end: performance.now(), cpuMicros: used.user + used.system });
      }
    };
  }
  const db = drizzle(client, { schema });
  await migrateDb(db);

  const google = createGoogleFake();
  const shopify = createShopifyFake({ apiKey: config.shopify.apiKey, apiSecret: config.shopify.apiSecret });
  const woocommerce = createWooCommerceFake();
  const openai = createOpenAIFake({
    apiKey: config.openai.apiKey,
    plantFalseFacts: options.plantFalseFacts ?? 0,
    seed: options.llmSeed ?? 0,
  });
  const sandbox = `${APP_URL}/sandbox`;
  const router = createRouter(
    [
      { prefix: `${sandbox}/google`, service: 'google', app: google.app },
      { prefix: `${sandbox}/shopify`, service: 'store', app: shopify.app },
      { prefix: `${sandbox}/woocommerce`, service: 'store', app: woocommerce.app },
      { prefix: `${sandbox}/openai`, service: 'llm', app: openai.app },
    ],
    { google: 0, store: 0, llm: 0, ...options.latencyMs },
  );

  let services: Services | undefined;
  const consume = (batch: Delivery[]) => consumeSyncBatch(services!, batch);
  const queue =
    options.queue === 'concurrent' ? createConcurrentQueue(consume) : createMemoryQueue({ consume, maxRetries: 5 });
  const logger = createLogger('warn', (line) => process.stderr.write(`${line}\n`));
  services = createServices({ config, db, logger, fetch: router.fetch, queue });
  const app = createApp({ services });

  const pushes = new Set<Promise<unknown>>();
  google.configurePush({
    endpoint: `${APP_URL}/webhooks/gmail`,
    audience: config.google.pushAudience,
    serviceAccountEmail: config.google.pushServiceAccount,
  });
  google.onPush((req) => {
    // A microtask later, so that the fake's own work (storing, threading) is not billed to the app.
    const delivery = Promise.resolve().then(() => app.fetch(req));
    const tracked = delivery.finally(() => pushes.delete(tracked));
    pushes.add(tracked);
    return delivery;
  });

  let storeSeq = 0;
  return {
    services,
    router,
    google,
    openai,
    dbStatements: () => statements,
    dbSqlStatements: () => sqlStatements,
    dbCalls,
    dbLatency,
    dbCpuMicros: () => dbCpuMicros,
    async addMerchant({ mailbox, store, orders }) {
      const accountId = await createAccount(services!, { shopName: 'Bench Shop', signOffName: 'Sam' });
      const refreshToken = google.issueRefreshToken(mailbox, GMAIL_SCOPES);
      await connectGmail(services!, { accountId, mailbox, refreshToken, grantedScopes: GMAIL_SCOPES });
      const n = ++storeSeq;
      if (store === 'shopify') {
        const shop = `bench-${n}.myshopify.com`;
        const accessToken = `shpat_bench_${n}`;
        // The eval corpus has orders of every age: this bench shop granted read_all_orders.
        // Shopify Plus (1,000 points a second): the bench sends hundreds of emails in seconds,
        // which would keep a Standard shop throttled and measure the waits (the throttle has its tests).
        shopify.addShop(shop, accessToken, orders, { scopes: ['read_orders', 'read_all_orders'], plan: 'plus' });
        // An expiring offline token, as the install flow gets today: a legacy one would be migrated
        // by the first sync (one extra statement), which no store installed now pays.
        const credentials = {
          kind: 'shopify' as const,
          accessToken,
          refreshToken: `shprt_bench_${n}`,
          expiresAt: Date.now() + 3_600_000,
          refreshTokenExpiresAt: Date.now() + 90 * 86_400_000,
        };
        await connectStore(services!, { accountId, storeDomain: shop, credentials, scopes: 'read_orders' });
      } else {
        const consumerKey = `ck_bench_${n}`;
        const consumerSecret = `cs_bench_${n}`;
        woocommerce.addStore(consumerKey, consumerSecret, orders);
        await connectStore(services!, {
          accountId,
          storeDomain: `${sandbox}/woocommerce`,
          credentials: { kind: 'woocommerce', consumerKey, consumerSecret },
          scopes: 'read',
        });
      }
      return { accountId, mailbox };
    },
    arrive: (mailbox, raw, opts) => google.insertMessage(mailbox, raw, opts),
    async settle() {
      do {
        while (pushes.size) await Promise.allSettled([...pushes]);
        await google.flushPushes();
        await queue.idle();
      } while (pushes.size);
    },
    close() {
      client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every message is consumed at once (Workers Queues with consumers scaled out); retries after their delay. */
function createConcurrentQueue(consume: (batch: Delivery[]) => Promise<void>): JobQueue & { idle(): Promise<void> } {
  const running = new Set<Promise<void>>();
  const run = (body: SyncMessage, attempts: number): void => {
    let retryDelay: number | null = null;
    const delivery: Delivery = {
      body,
      attempts,
      ack: () => undefined,
      retry: (o) => void (retryDelay = o?.delaySeconds ?? 0),
    };
    const job = consume([delivery]).then(async () => {
      if (retryDelay !== null && attempts < 5) {
        await new Promise((r) => setTimeout(r, retryDelay! * 1000));
        run(body, attempts + 1);
      }
    });
    const tracked = job.finally(() => running.delete(tracked));
    running.add(tracked);
  };
  return {
    async send(message) {
      run(message, 1);
    },
    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}
