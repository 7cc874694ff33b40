import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { Log, LogLevel, Miniflare, type MiniflareOptions, type WorkerOptions } from 'miniflare';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';
import { connectGmail, connectStore, createAccount } from '../src/accounts/connect';
import { parseConfig, type Config } from '../src/config';
import { migrateDb, openNodeDb } from '../src/db/node';
import { openWebDb } from '../src/db/web';
import { canonicalHost } from '../src/http/canonical-host';
import { createLogger } from '../src/platform/log';
import { loopbackFetch, refuseNetwork } from '../src/platform/loopback-fetch';
import { wireMessage, type QueueMessage } from '../src/platform/queue';
import { createSandbox } from '../src/sandbox';
import { createDohFake } from '../src/sandbox/fakes/doh';
import { serveHranaFake, type HranaFake, type HranaStats } from '../src/sandbox/fakes/hrana';
import { createServices, type Services } from '../src/services';
import type { Order } from '../src/stores/order';
import { sandboxClient, type SandboxClient } from './sandbox-client';

/**
 * The production Worker, as `wrangler deploy` bundles it, running in workerd (Miniflare) with the
 * bindings wrangler.toml gives it (the sync queue's producer and consumers, the cron), against the
 * sandbox: the same fakes as `npm start`, a libSQL-over-HTTP endpoint over a local file in place of
 * Turso, and the sandbox's control API. test/worker/* and `npm run start:worker` both build on it.
 *
 * Why the Worker runs live (and the sandbox sits beside it, in Node): the deployed entry must never
 * be switchable to the sandbox (src/worker.ts refuses DRAFTLINE_MODE other than live), and a
 * sandbox inside workerd could not know when Cloudflare's queue is done with a message. So the
 * exact bundle that would be deployed runs live, its settings pointing every outside API at the
 * fakes by base URL (under /fakes/…, since live mode refuses an override under /sandbox), and a
 * Node front on one port answers what the Worker does not:
 *
 *   /healthz                  {"ok":true,"mode":"sandbox","runtime":"workerd"} once the Worker answers its own
 *   /sandbox/…                the sandbox contract (reset, gmail/messages, gmail/drafts, mail, try-email)
 *                             and the fakes the browser sees (consent screens), as under `npm start`
 *   /fakes/{google,shopify,openai,woocommerce,dns}/…  the same fake instances, for the Worker
 *                             (and the consent and install screens the Worker sends the browser to)
 *   everything else           proxied to the Worker (with CF-Connecting-IP, as Cloudflare sends it)
 *
 * The libSQL endpoint (src/sandbox/fakes/hrana.ts) listens on its own 127.0.0.1 port; the Worker
 * and the sandbox's control API reach the database only through it, with separate tokens, so the
 * Worker's HTTP requests and statements can be counted apart.
 *
 * What workerd runs is the bundle plus a thin entry that observes it (ENTRY below): it forwards
 * fetch, scheduled and queue to the bundle's handlers unchanged and tells the Node side about every
 * queue message sent, delivered, acked or retried and every waitUntil, so that a test (and the
 * sandbox's "answer once the draft exists") knows when the queue is idle. Nothing of the app is
 * replaced.
 */

const GMAIL_SCOPES = [
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.compose',
];
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER_TOML = join(ROOT, 'wrangler.toml');

// ---------------------------------------------------------------------------------------------
// The bundle

/** What the bundle is built from: a dist/ newer than all of it is what `npm run build` just made. */
function bundleInputs(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  for (const dir of ['src', 'webhooks']) walk(join(ROOT, dir));
  for (const file of ['wrangler.toml', 'package-lock.json', 'tsconfig.json']) files.push(join(ROOT, file));
  return files.filter((f) => existsSync(f));
}

/**
 * The Worker bundle exactly as `wrangler deploy` uploads it: dist/worker.js when `npm run build`
 * made it after the last change to its sources (CI builds first), otherwise a fresh
 * `wrangler deploy --dry-run` into a cache directory named after the sources' state (parallel
 * test files share one build).
 */
export async function workerBundle(): Promise<string> {
  const inputs = bundleInputs().map((f) => ({ f, s: statSync(f) }));
  const newest = Math.max(...inputs.map((i) => i.s.mtimeMs));
  const dist = join(ROOT, 'dist', 'worker.js');
  if (existsSync(dist) && statSync(dist).mtimeMs >= newest) return dist;

  const key = createHash('sha256')
    .update(inputs.map((i) => `${relative(ROOT, i.f)}:${i.s.size}:${i.s.mtimeMs}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const cache = join(tmpdir(), `draftline-worker-bundle-${key}`);
  const built = join(cache, 'worker.js');
  if (existsSync(built)) return built;
  const lock = `${cache}.lock`;
  for (const started = Date.now(); ; ) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(built)) return built;
      // A build takes ~10 s; a lock much older than that was left by a build that died.
      if (Date.now() - started > 120_000 || Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 120_000)
        rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (existsSync(built)) return built;
    const out = mkdtempSync(`${cache}.tmp-`);
    await promisify(execFile)(
      process.platform === 'win32' ? 'npx.cmd' : 'npx',
      ['wrangler', 'deploy', '--dry-run', '--outdir', out],
      {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG: 'error', NO_COLOR: '1' },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    renameSync(out, cache);
    // Older builds (sources changed since) are of no further use; one still in use by a parallel
    // run is recent, so only those untouched for ten minutes go.
    for (const name of readdirSync(tmpdir())) {
      const path = join(tmpdir(), name);
      if (!name.startsWith('draftline-worker-bundle-') || path === cache || path === lock) continue;
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat && Date.now() - stat.mtimeMs > 10 * 60_000) rmSync(path, { recursive: true, force: true });
    }
    return built;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The observing entry that workerd runs around the bundle

const ENTRY = `
import app from './worker.js';
let tapped = null;
const report = (env, event) =>
  env.__WORLD_SPY.fetch('http://world.spy/', { method: 'POST', body: JSON.stringify(event) }).then((r) => r.arrayBuffer());
function tap(env) {
  if (tapped) return tapped;
  const out = {};
  for (const key of Object.keys(env)) if (key !== '__WORLD_SPY') out[key] = env[key];
  const queue = env.SYNC_QUEUE;
  out.SYNC_QUEUE = {
    async send(body, options) {
      await report(env, { type: 'send', bodies: [body] });
      try {
        return await queue.send(body, options);
      } catch (err) {
        await report(env, { type: 'send_failed', count: 1 });
        throw err;
      }
    },
    async sendBatch(messages, options) {
      await report(env, { type: 'send', bodies: messages.map((m) => m.body) });
      try {
        return await queue.sendBatch(messages, options);
      } catch (err) {
        await report(env, { type: 'send_failed', count: messages.length });
        throw err;
      }
    },
  };
  return (tapped = out);
}
function observe(env, ctx) {
  const reported = [];
  return {
    reported,
    ctx: {
      waitUntil(promise) {
        reported.push(report(env, { type: 'pending', delta: 1 }));
        ctx.waitUntil(Promise.resolve(promise).finally(() => report(env, { type: 'pending', delta: -1 })));
      },
      passThroughOnException() {
        ctx.passThroughOnException();
      },
      get props() {
        return ctx.props;
      },
    },
  };
}
export default {
  async fetch(request, env, ctx) {
    const o = observe(env, ctx);
    const response = await app.fetch(request, tap(env), o.ctx);
    await Promise.all(o.reported);
    return response;
  },
  async scheduled(controller, env, ctx) {
    const o = observe(env, ctx);
    await app.scheduled(controller, tap(env), o.ctx);
    await Promise.all(o.reported);
  },
  async queue(batch, env, ctx) {
    const outcomes = new Map();
    const messages = batch.messages.map((m) => ({
      get id() { return m.id; },
      get timestamp() { return m.timestamp; },
      get body() { return m.body; },
      get attempts() { return m.attempts; },
      ack() { if (!outcomes.has(m)) outcomes.set(m, 'ack'); m.ack(); },
      retry(options) { if (!outcomes.has(m)) outcomes.set(m, 'retry'); m.retry(options); },
    }));
    const wrapped = {
      queue: batch.queue,
      messages,
      ackAll() { for (const m of messages) m.ack(); },
      retryAll(options) { for (const m of messages) m.retry(options); },
    };
    await report(env, { type: 'deliver', queue: batch.queue, messages: batch.messages.map((m) => ({ attempts: m.attempts, body: m.body })) });
    const o = observe(env, ctx);
    let threw = false;
    try {
      await app.queue(wrapped, tap(env), o.ctx);
    } catch (err) {
      threw = true;
      throw err;
    } finally {
      await Promise.all(o.reported);
      // Cloudflare: a message neither acked nor retried is acked when the handler returns, retried when it throws.
      await report(env, {
        type: 'settle',
        queue: batch.queue,
        messages: batch.messages.map((m) => ({ attempts: m.attempts, outcome: outcomes.get(m) ?? (threw ? 'retry' : 'ack') })),
      });
    }
  },
};
`;

/** Bookkeeping of the queue as the entry reports it: how many messages are not done with yet. */
class QueueSpy {
  outstanding = 0;
  pending = 0;
  readonly bodies: string[] = [];
  /** Messages that ran out of retries on a queue with no consumer behind its dead-letter queue. */
  dropped = 0;
  deliveries = 0;
  retries = 0;

  constructor(private readonly consumers: Record<string, { maxRetries?: number; deadLetterQueue?: string }>) {}

  noteSend(bodies: unknown[]) {
    this.outstanding += bodies.length;
    for (const b of bodies) this.bodies.push(JSON.stringify(b));
  }

  handle(event: { type: string; [k: string]: unknown }) {
    switch (event.type) {
      case 'send':
        this.noteSend(event.bodies as unknown[]);
        break;
      case 'send_failed':
        this.outstanding -= event.count as number;
        break;
      case 'pending':
        this.pending += event.delta as number;
        break;
      case 'deliver':
        for (const m of event.messages as { body: unknown }[]) {
          this.deliveries++;
          this.bodies.push(JSON.stringify(m.body));
        }
        break;
      case 'settle': {
        const consumer = this.consumers[event.queue as string] ?? {};
        // Miniflare's broker: maxRetries defaults to 2; a message is given up after maxRetries + 1 attempts.
        const maxAttempts = (consumer.maxRetries ?? 2) + 1;
        const dlqConsumed = !!consumer.deadLetterQueue && !!this.consumers[consumer.deadLetterQueue];
        for (const m of event.messages as { attempts: number; outcome: string }[]) {
          if (m.outcome === 'ack') this.outstanding--;
          else if (m.attempts >= maxAttempts) {
            if (!dlqConsumed) {
              this.outstanding--;
              this.dropped++;
            }
          } else this.retries++;
        }
        break;
      }
    }
  }

  idle() {
    return this.outstanding <= 0 && this.pending <= 0;
  }
}

/** Miniflare's and workerd's output, line by line. */
class CapturingLog extends Log {
  constructor(
    level: LogLevel,
    private readonly sink: (line: string) => void,
  ) {
    super(level);
  }
  protected override log(message: string): void {
    for (const line of message.split('\n')) if (line.trim()) this.sink(line);
  }
}

// ---------------------------------------------------------------------------------------------
// The world

export interface WorkerWorldOptions {
  /** Port of the front (sandbox contract, fakes, the app); 0 picks a free one. */
  port?: number;
  /** Where the front listens; undefined: every interface (as `npm start`). Default 127.0.0.1. */
  hostname?: string | undefined;
  /** APP_URL for the Worker and the sandbox; default http://127.0.0.1:<port>. */
  appUrl?: (port: number) => string;
  /** The database file; default a fresh one in a temporary directory, removed on close. */
  dbPath?: string;
  /** TOKEN_ENCRYPTION_KEY, SESSION_SECRET, HASH_KEY; default fresh random ones. */
  secrets?: { TOKEN_ENCRYPTION_KEY: string; SESSION_SECRET: string; HASH_KEY: string };
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Every line the Worker prints (workerd's stdout and stderr), as it comes. */
  onWorkerLine?: (line: string) => void;
  /** Miniflare's own messages at or above this level are kept; default INFO. */
  miniflareLogLevel?: LogLevel;
  onMiniflareLine?: (line: string) => void;
}

export interface ApiCounts {
  /** HTTP requests to each outside service (the fakes), by what they stand for. */
  byService: Record<string, number>;
  total: number;
}

export interface WorkerWorld extends SandboxClient {
  /** The front's URL. */
  url: string;
  appUrl: string;
  dbPath: string;
  config: Config;
  mf: Miniflare;
  /** Node-side services over the same database (through the libSQL endpoint), for the sandbox's control API and tests. */
  services: Services;
  sandbox: ReturnType<typeof createSandbox>;
  fakes: ReturnType<typeof createSandbox>['fakes'];
  hrana: HranaFake;
  /** The Worker's output (workerd stdout/stderr), every line. */
  workerLines: string[];
  /** Miniflare's own log lines. */
  miniflareLines: string[];
  /** The Node side's log lines (the sandbox's control API). */
  nodeLines: string[];
  /** Every queue message body, as sent and as delivered. */
  queueBodies: string[];
  queue: QueueSpy;
  crons: string[];
  /** The database statements and HTTP requests the Worker made so far, and its calls to the outside APIs. */
  counts(): { db: HranaStats; api: ApiCounts };
  /** A request to the front, over HTTP, as a browser or curl would send it. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Another merchant beside the sandbox's one (Gmail and a store connected, as the setup flow leaves them). */
  addMerchant(o: {
    mailbox: string;
    store: 'shopify' | 'woocommerce';
    orders: Order[];
  }): Promise<{ accountId: string; mailbox: string; storeDomain: string }>;
  /** Whether the Google fake's Pub/Sub pushes reach the Worker (default true); off, they are answered 204 unseen. */
  deliverPushes(on: boolean): void;
  /** A request handed to the Worker directly, as Cloudflare's edge would (CF-Connecting-IP set). */
  toWorker(req: Request, clientAddress?: string): Promise<Response>;
  /** One Cron Trigger tick in workerd; resolves when it and the queue work it made are done. */
  scheduled(): Promise<void>;
  /**
   * One Cron Trigger tick; resolves when the cron's own work (its waitUntil) is done, before the
   * queue delivers what it sent, so a test can count the cron's subrequests alone.
   */
  cronTick(): Promise<void>;
  /** Resolves when no push is being delivered, no queue message waits or runs, no waitUntil is open. */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const randomSecrets = () => ({
  TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  SESSION_SECRET: randomBytes(32).toString('base64url'),
  HASH_KEY: randomBytes(32).toString('base64url'),
});

/** Which outside service a request to the front stands for (for the counts), or null. */
function serviceOf(pathname: string): string | null {
  const m = /^\/(?:fakes|sandbox)\/(google|shopify|openai|woocommerce|dns)(\/.*)?$/.exec(pathname);
  if (!m) return null;
  if (m[1] !== 'google') return m[1]!;
  const rest = m[2] ?? '';
  if (rest.startsWith('/gmail/')) return 'gmail';
  if (rest.startsWith('/oauth2/v3/certs')) return 'google-jwks';
  return 'google-oauth';
}

export async function startWorkerWorld(options: WorkerWorldOptions = {}): Promise<WorkerWorld> {
  const cleanup: (() => unknown)[] = [];
  try {
    return await start(options, cleanup);
  } catch (err) {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
    throw err;
  }
}

async function start(options: WorkerWorldOptions, cleanup: (() => unknown)[]): Promise<WorkerWorld> {
  const bundlePromise = workerBundle();
  const logLevel = options.logLevel ?? 'info';

  // The database: migrated on the file first, as `npm run db:migrate` does before a deploy.
  let dbPath = options.dbPath;
  if (!dbPath) {
    const dir = mkdtempSync(join(tmpdir(), 'draftline-workerd-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    dbPath = join(dir, 'draftline.db');
  }
  mkdirSync(dirname(resolve(dbPath)), { recursive: true });
  const migrating = openNodeDb(`file:${dbPath}`);
  try {
    await migrateDb(migrating.db);
  } finally {
    migrating.client.close();
  }
  const tokens = { worker: randomBytes(24).toString('base64url'), control: randomBytes(24).toString('base64url') };
  const libsql = await serveHranaFake({ path: dbPath, authTokens: tokens });
  cleanup.push(() => libsql.close());

  // The front listens first: APP_URL and the fakes' URLs name its port.
  let handler: (req: Request, env: unknown) => Response | Promise<Response> = () =>
    new Response('starting', { status: 503 });
  const hostname = 'hostname' in options ? options.hostname : '127.0.0.1';
  const server = await new Promise<ServerType>((resolvePromise, reject) => {
    const s = serve(
      { fetch: (req, env) => handler(req, env), port: options.port ?? 0, hostname, overrideGlobalObjects: false },
      () => resolvePromise(s),
    );
    s.once('error', reject);
  });
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => r());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  const appUrl = (options.appUrl?.(port) ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  // The Worker reaches the fakes over loopback, whatever name the browser uses.
  const internal = `http://127.0.0.1:${port}`;

  const secrets = options.secrets ?? randomSecrets();
  // The sandbox's settings, which its fakes are built with; the Worker gets the same. The app's own
  // credentials are fresh random ones, since live mode refuses the sandbox's placeholder secrets.
  const config = parseConfig({
    ...secrets,
    SHOPIFY_API_KEY: randomBytes(16).toString('hex'),
    SHOPIFY_API_SECRET: `shpss_${randomBytes(16).toString('hex')}`,
    OPENAI_API_KEY: `sk-${randomBytes(24).toString('base64url')}`,
    APP_URL: appUrl,
    DATABASE_URL: libsql.url,
    DATABASE_AUTH_TOKEN: tokens.control,
    DRAFTLINE_MODE: 'sandbox',
    LOG_LEVEL: logLevel,
  });

  // --- workerd -----------------------------------------------------------------------------
  // wrangler's reading of wrangler.toml, without its chatter ("Using secrets defined in .dev.vars").
  const wranglerLog = process.env.WRANGLER_LOG;
  process.env.WRANGLER_LOG = 'error';
  let wrangler: ReturnType<typeof unstable_getMiniflareWorkerOptions>;
  let wranglerConfig: ReturnType<typeof unstable_readConfig>;
  try {
    wrangler = unstable_getMiniflareWorkerOptions(WRANGLER_TOML);
    wranglerConfig = unstable_readConfig({ config: WRANGLER_TOML });
  } finally {
    if (wranglerLog === undefined) delete process.env.WRANGLER_LOG;
    else process.env.WRANGLER_LOG = wranglerLog;
  }
  const consumers = (wrangler.workerOptions.queueConsumers ?? {}) as Record<
    string,
    { maxRetries?: number; deadLetterQueue?: string }
  >;
  const spy = new QueueSpy(consumers);
  const workerLines: string[] = [];
  const miniflareLines: string[] = [];
  const workerEnv: Record<string, string> = {
    ...secrets,
    APP_URL: appUrl,
    DATABASE_URL: libsql.url,
    DATABASE_AUTH_TOKEN: tokens.worker,
    LOG_LEVEL: logLevel,
    GOOGLE_CLIENT_ID: config.google.clientId,
    GOOGLE_CLIENT_SECRET: config.google.clientSecret,
    GOOGLE_PUBSUB_TOPIC: config.google.pubsubTopic,
    GOOGLE_PUSH_SERVICE_ACCOUNT: config.google.pushServiceAccount,
    GOOGLE_PUSH_AUDIENCE: config.google.pushAudience,
    // The consent screen is opened by the browser (APP_URL's host); the rest is fetched by the Worker.
    GOOGLE_AUTH_URL: `${appUrl}/fakes/google/o/oauth2/v2/auth`,
    GOOGLE_TOKEN_URL: `${internal}/fakes/google/token`,
    GOOGLE_REVOKE_URL: `${internal}/fakes/google/revoke`,
    GOOGLE_JWKS_URL: `${internal}/fakes/google/oauth2/v3/certs`,
    GMAIL_API_URL: `${internal}/fakes/google/`,
    SHOPIFY_API_KEY: config.shopify.apiKey,
    SHOPIFY_API_SECRET: config.shopify.apiSecret,
    // Shopify's install screen is opened by the browser too, the Admin API fetched by the Worker.
    SHOPIFY_API_URL: `${appUrl}/fakes/shopify`,
    OPENAI_API_KEY: config.openai.apiKey,
    OPENAI_BASE_URL: `${internal}/fakes/openai/v1`,
    DNS_RESOLVER_URL: `${internal}/fakes/dns/dns-query`,
  };
  const bundle = await bundlePromise;
  const modulesRoot = dirname(bundle);
  const mf = new Miniflare({
    ...(wrangler.workerOptions as WorkerOptions),
    name: wranglerConfig.name ?? 'draftline',
    modules: [
      { type: 'ESModule', path: join(modulesRoot, '__world_entry.mjs'), contents: ENTRY },
      { type: 'ESModule', path: join(modulesRoot, 'worker.js'), contents: readFileSync(bundle, 'utf8') },
    ],
    modulesRoot,
    // wrangler.toml's [vars], then this world's settings. (Not .dev.vars, which wrangler would add:
    // a developer's local secrets have no business in a test's Worker.)
    bindings: { ...(wranglerConfig.vars as Record<string, string>), ...workerEnv },
    serviceBindings: {
      __WORLD_SPY: async (req: { json(): Promise<unknown> }) => {
        spy.handle((await req.json()) as { type: string });
        return new Response(null, { status: 204 }) as never;
      },
    },
    cf: false,
    // Cloudflare sets CF-Connecting-IP; the front sends the client's address in it.
    stripCfConnectingIp: false,
    log: new CapturingLog(options.miniflareLogLevel ?? LogLevel.INFO, (line) => {
      miniflareLines.push(line);
      options.onMiniflareLine?.(line);
    }),
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      for (const stream of [stdout, stderr]) {
        let buffered = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          buffered += chunk;
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const line of lines) {
            workerLines.push(line);
            options.onWorkerLine?.(line);
          }
        });
      }
    },
  } as MiniflareOptions);
  cleanup.push(() => mf.dispose());
  await mf.ready;
  const worker = await mf.getWorker();
  const producer = await mf.getQueueProducer<QueueMessage>('SYNC_QUEUE');

  /** A request to the Worker, as Cloudflare's edge would hand it over. */
  const toWorker = async (req: Request, clientAddress = '127.0.0.1'): Promise<Response> => {
    const headers = new Headers(req.headers);
    headers.set('cf-connecting-ip', clientAddress);
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
    const res = await mf.dispatchFetch(req.url, {
      method: req.method,
      headers: [...headers.entries()],
      body,
      redirect: 'manual',
    });
    const out = new Headers();
    res.headers.forEach((value, name) => {
      if (name !== 'set-cookie') out.append(name, value);
    });
    for (const cookie of res.headers.getSetCookie()) out.append('set-cookie', cookie);
    const payload = req.method === 'HEAD' || res.status === 204 || res.status === 304 ? null : await res.arrayBuffer();
    return new Response(payload, { status: res.status, statusText: res.statusText, headers: out });
  };

  // --- the sandbox, in Node, over the same database and the same fakes ---------------------
  const nodeLines: string[] = [];
  const waitIdle = async (timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    // Two quiet looks in a row: a delivery can start between a settle report and the next send.
    for (let quiet = 0; quiet < 2; ) {
      if (Date.now() > deadline) {
        throw new Error(
          `worker world: the queue did not settle within ${timeoutMs} ms (outstanding ${spy.outstanding}, waitUntil ${spy.pending})`,
        );
      }
      quiet = spy.idle() ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  let sandboxApp: Hono | undefined;
  const services = createServices({
    config,
    db: openWebDb(libsql.url, tokens.control),
    logger: createLogger(config.logLevel, (line) => nodeLines.push(line)),
    fetch: loopbackFetch(`${appUrl}/sandbox/`, (req) => sandboxApp!.fetch(req), refuseNetwork),
    queue: {
      send: async (message) => {
        spy.noteSend([message]);
        try {
          await producer.send(wireMessage(message));
        } catch (err) {
          spy.handle({ type: 'send_failed', count: 1 });
          throw err;
        }
      },
      sendBatch: async (messages) => {
        spy.noteSend([...messages]);
        try {
          await producer.sendBatch(messages.map((m) => ({ body: wireMessage(m) })));
        } catch (err) {
          spy.handle({ type: 'send_failed', count: messages.length });
          throw err;
        }
      },
    },
  });
  // How the fakes reach the app: Pub/Sub pushes and WooCommerce deliveries go straight to the Worker.
  // Tests can hold Gmail's pushes back (pushes: false) to deliver them by hand.
  let pushes = true;
  const appFetch = (req: Request) =>
    !pushes && new URL(req.url).pathname === '/webhooks/gmail'
      ? Promise.resolve(new Response(null, { status: 204 }))
      : toWorker(req);
  const sandbox = createSandbox({
    services,
    appFetch,
    settle: () => waitIdle(),
    isIdle: () => spy.idle(),
    outcomesReported: false,
  });
  sandboxApp = new Hono().route('/sandbox', sandbox.routes);
  const doh = createDohFake({});

  const calls: Record<string, number> = {};
  const front = new Hono();
  front.use('*', async (c, next) => {
    const service = serviceOf(new URL(c.req.url).pathname);
    if (service) calls[service] = (calls[service] ?? 0) + 1;
    await next();
  });
  front.get('/healthz', async (c) => {
    // The Worker's own answer says it is up (and live, as deployed); this front is the sandbox.
    const res = await toWorker(new Request(`${appUrl}/healthz`));
    const health = (await res.json().catch(() => null)) as { ok?: boolean } | null;
    return c.json({ ok: res.ok && health?.ok === true, mode: 'sandbox', runtime: 'workerd' }, res.ok ? 200 : 503);
  });
  front.route('/fakes/dns', doh);
  // The sandbox's routes once more under /fakes: the same fake instances (and the Shopify install
  // and WooCommerce authorize screens with them), at a path live mode accepts as a base URL.
  front.route('/fakes', sandbox.routes);
  // The browser is kept on APP_URL's host, as under `npm start` (its cookies live there).
  front.use('*', canonicalHost({ mode: 'sandbox', appUrl }));
  front.route('/sandbox', sandbox.routes);
  front.all('*', (c) => {
    const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
    return toWorker(c.req.raw, incoming?.socket?.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1');
  });
  handler = (req, env) => front.fetch(req, env);

  const url = `http://127.0.0.1:${port}`;
  const request = (path: string, init?: RequestInit) => fetch(`${url}${path}`, { redirect: 'manual', ...init });
  const cronTick = async () => {
    await worker.scheduled({ cron: wranglerConfig.triggers?.crons?.[0] ?? '*/5 * * * *', scheduledTime: new Date() });
    // The handler hands its work to waitUntil (reported before it returns): wait for that alone.
    for (const deadline = Date.now() + 30_000; spy.pending > 0; await new Promise((r) => setTimeout(r, 10))) {
      if (Date.now() > deadline) throw new Error('worker world: the cron tick did not finish within 30 s');
    }
  };
  const settle = async (timeoutMs?: number) => {
    await sandbox.settle();
    await waitIdle(timeoutMs);
  };

  return {
    url,
    appUrl,
    dbPath,
    config,
    mf,
    services,
    sandbox,
    fakes: sandbox.fakes,
    hrana: libsql.fake,
    workerLines,
    miniflareLines,
    nodeLines,
    queueBodies: spy.bodies,
    queue: spy,
    crons: wranglerConfig.triggers?.crons ?? [],
    counts: () => ({
      db: libsql.fake.stats().byToken.worker!,
      api: { byService: { ...calls }, total: Object.values(calls).reduce((a, b) => a + b, 0) },
    }),
    request,
    ...sandboxClient(request),
    addMerchant: async ({ mailbox, store, orders }) => {
      const fakes = sandbox.fakes;
      const accountId = await createAccount(services, { shopName: `Shop of ${mailbox}`, signOffName: 'Sam' });
      await connectGmail(services, {
        accountId,
        mailbox,
        refreshToken: fakes.google.issueRefreshToken(mailbox, GMAIL_SCOPES),
        grantedScopes: GMAIL_SCOPES,
      });
      const secret = () => randomBytes(16).toString('hex');
      let storeDomain: string;
      if (store === 'shopify') {
        storeDomain = `shop-${secret().slice(0, 8)}.myshopify.com`;
        const accessToken = `shpat_${secret()}`;
        fakes.shopify.addShop(storeDomain, accessToken, orders);
        await connectStore(services, {
          accountId,
          storeDomain,
          credentials: { kind: 'shopify', accessToken },
          scopes: 'read_orders',
        });
      } else {
        storeDomain = `${appUrl}/sandbox/woocommerce`;
        const consumerKey = `ck_${secret()}`;
        const consumerSecret = `cs_${secret()}`;
        fakes.woocommerce.addStore(consumerKey, consumerSecret, orders);
        await connectStore(services, {
          accountId,
          storeDomain,
          credentials: { kind: 'woocommerce', consumerKey, consumerSecret },
          scopes: 'read',
        });
      }
      return { accountId, mailbox, storeDomain };
    },
    deliverPushes: (on) => {
      pushes = on;
    },
    toWorker,
    scheduled: async () => {
      await cronTick();
      await settle();
    },
    cronTick,
    settle,
    close: async () => {
      for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
    },
  };
}
