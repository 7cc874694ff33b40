import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { parseConfig, type Config } from '../../src/config';
import { migrateDb, openNodeDb } from '../../src/db/node';
import { refuseNetwork } from '../../src/platform/loopback-fetch';
import { SANDBOX_MAILBOX } from '../../src/sandbox';
import { createLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../src/runtime/local';
import type { Order } from '../../src/stores/order';
import { sandboxClient, type SandboxClient } from '../../scripts/sandbox-client';

export type { SandboxDraft } from '../../scripts/sandbox-client';

export const APP_URL = 'http://draftline.test';

/** The secrets every test runtime is configured with (config.ts refuses to start without the first two). */
export const TEST_SECRETS = {
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  SESSION_SECRET: 'test-session-secret-0123456789abcdef',
  HASH_KEY: 'test-hash-key',
} as const;

/** The least a live-mode runtime needs (config.ts refuses to start live without each of these). */
export const LIVE_ENV = {
  DRAFTLINE_MODE: 'live',
  APP_URL: 'https://draftline.example.com',
  GOOGLE_CLIENT_ID: 'id',
  GOOGLE_CLIENT_SECRET: 'secret',
  GOOGLE_PUBSUB_TOPIC: 'projects/acme/topics/gmail-push',
  GOOGLE_PUSH_SERVICE_ACCOUNT: 'gmail-push@acme.iam.gserviceaccount.com',
  OPENAI_API_KEY: 'sk-test',
} as const;

export interface TestRuntime extends LocalRuntime, SandboxClient {
  config: Config;
  dbPath: string;
  logs: string[];
  queueMessages: string[];
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): void;
}

/**
 * A runtime for the running test (call it in the test or in its beforeEach), closed when the test
 * finishes, passed or failed. Most tests want this one:
 *
 *   let rt: TestRuntime;
 *   beforeEach(async () => {
 *     rt = await runtimeForTest();
 *   });
 */
export async function runtimeForTest(
  env: Record<string, string> = {},
  options: Pick<LocalRuntimeOptions, 'wrapFetch'> = {},
): Promise<TestRuntime> {
  const rt = await startTestRuntime(env, options);
  onTestFinished(() => rt.close());
  return rt;
}

/**
 * The whole app in sandbox mode on a fresh database file, with every log line and queue message
 * captured. The caller closes it: for a runtime shared by a whole file (beforeAll/afterAll) or
 * served over HTTP; a test's own runtime comes from runtimeForTest.
 */
export async function startTestRuntime(
  env: Record<string, string> = {},
  options: Pick<LocalRuntimeOptions, 'wrapFetch'> = {},
): Promise<TestRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'draftline-'));
  const dbPath = join(dir, 'draftline.db');
  const config = parseConfig({
    APP_URL,
    DATABASE_URL: `file:${dbPath}`,
    ...TEST_SECRETS,
    LOG_LEVEL: 'debug',
    ...env,
  });
  const { db, client } = openNodeDb(config.database.url);
  await migrateDb(db);
  const logs: string[] = [];
  const queueMessages: string[] = [];
  const runtime = createLocalRuntime({
    config,
    db,
    fetch: refuseNetwork,
    logSink: (line) => logs.push(line),
    onQueueSend: (m) => queueMessages.push(m),
    wrapFetch: options.wrapFetch,
  });
  const request = (path: string, init?: RequestInit) => Promise.resolve(runtime.app.request(`${APP_URL}${path}`, init));
  return {
    ...runtime,
    config,
    dbPath,
    logs,
    queueMessages,
    request,
    ...sandboxClient(request),
    close: () => {
      client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A customer email as a mail client would send it. */
export function customerMail(o: {
  from: string;
  subject: string;
  body: string;
  messageId: string;
  inReplyTo?: string;
  extraHeaders?: string[];
  date?: Date;
}): string {
  return [
    `From: ${o.from}`,
    `To: Sandbox Shop <${SANDBOX_MAILBOX}>`,
    `Subject: ${o.subject}`,
    `Date: ${(o.date ?? new Date()).toUTCString()}`,
    `Message-ID: ${o.messageId}`,
    ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`, `References: ${o.inReplyTo}`] : []),
    ...(o.extraHeaders ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    o.body,
    '',
  ].join('\r\n');
}

export function sampleOrder(overrides: Partial<Order> = {}): Order {
  return {
    number: '1042',
    email: 'jane@example.net',
    // Recent, whatever day the tests run: Shopify shows only the last 60 days without read_all_orders.
    createdAt: new Date(Date.now() - 11 * 86_400_000).toISOString(),
    financialStatus: 'paid',
    fulfillmentStatus: 'fulfilled',
    tracking: [
      { company: 'UPS', number: '1Z999AA10123456784', url: 'https://www.ups.com/track?tracknum=1Z999AA10123456784' },
    ],
    shipments: [],
    items: [{ title: 'Blue mug', quantity: 2 }],
    shippingCity: 'Lyon',
    shippingCountry: 'FR',
    ...overrides,
  };
}
