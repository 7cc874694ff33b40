import { eq, sql } from 'drizzle-orm';
import { onTestFinished } from 'vitest';
import { getGmailConnection } from '../../src/db/accounts';
import { countersFor } from '../../src/db/counters';
import { SYNC_LEASE_TTL_MS } from '../../src/db/lease';
import { gmailConnections } from '../../src/db/schema';
import { createReplyWriter } from '../../src/drafting/llm';
import { createGmailMailbox } from '../../src/google/gmail';
import { createAuthorizedClient } from '../../src/google/oauth';
import { consumeSyncBatch } from '../../src/pipeline/consume';
import { QUIET_AFTER_MS, runScheduled } from '../../src/pipeline/schedule';
import { syncAccount, type SyncResult } from '../../src/pipeline/sync';
import { utcDay } from '../../src/platform/ids';
import { hostileHtmlMail, nestedMultipartMail, replyToAttackMail } from '../../src/sandbox/hostile-mail';
import { createMemoryQueue, type MemoryQueue } from '../../src/platform/memory-queue';
import type { Services } from '../../src/services';
import { createShopifyOrderSource } from '../../src/stores/shopify';
import { customerMail, sampleOrder, startTestRuntime, type TestRuntime } from './runtime';
import { createFaultFetch, type FaultFetch } from './fault-fetch';
import { DatabaseError } from '../../src/db/errors';
import { meteredQueue } from '../../src/platform/subrequests';

/**
 * The sandbox app with a fault layer under every client, a queue whose retry delays are recorded
 * (in the queue.retry log lines) but not waited for, a clock that can jump ahead, and a record of
 * every error that crossed a client boundary or left a sync. Mail and orders are full of canary
 * strings (CANARY) that must never be found at rest (chaos-invariants.ts).
 */
export const CANARY = {
  subject: 'ChaosCanarySubjectKq81',
  body: 'ChaosCanaryBodyVb27',
  senderName: 'Chaoscanary Quillfeather',
  senderAddress: 'chaos.canary.sender.z5@chaos-canary.example',
  orderNumber: '5550917',
  tracking: 'CHAOSCANARYTRK40417',
  trackingUrl: 'https://carrier.example/t/CHAOSCANARYTRK40417',
  city: 'Chaoscanaryburg',
  item: 'Chaos Canary Kettle',
  listName: 'chaos-canary-list.example',
};

/** Where a Reply-To attack asks for the order to go: no draft may ever be addressed there. */
export const ATTACKER = 'chaos.attacker@attacker.example';

const noSleep = async () => undefined;

export interface Chaos {
  rt: TestRuntime;
  s: Services;
  accountId: string;
  mailbox: string;
  google: NonNullable<TestRuntime['sandbox']>['fakes']['google'];
  net: FaultFetch;
  queue: MemoryQueue;
  /** Threads that must end with exactly one draft; every other thread must end with none. */
  deserving: Set<string>;
  /** historyIds of every delivered mail: the cursor must end past all of them. */
  delivered: string[];
  /** Every error met: thrown by the Gmail, store and model clients, and by syncs. */
  errors: string[];
  deadLetters: number;
  /**
   * A customer question about the canary order: it deserves a draft. Odd ones (the first, the
   * third, …) answer an earlier message the merchant sent, so the pipeline reads the thread
   * (threads.get); even ones start a thread of their own, which it only checks with history.list
   * before drafting. `ongoing` picks one.
   */
  question(opts?: { ongoing?: boolean }): { id: string; threadId: string; historyId: string; n: number };
  /** A mailing-list message with canary content: it deserves none. */
  newsletter(): { id: string; threadId: string; historyId: string };
  /** A multipart nested deeper than any parser takes, with canary content: it deserves none, and costs only itself. */
  poison(): { id: string; threadId: string; historyId: string };
  /** A question in HTML padded with unclosed tags (256 KB): read in linear time, it deserves a draft. */
  hostileHtml(): { id: string; threadId: string; historyId: string };
  /** A question from the order's owner with Reply-To an attacker: it deserves a draft, to the owner. */
  replyToAttack(): { id: string; threadId: string; historyId: string };
  /** The customer writes again in the thread of `previous` (still one draft for the thread). */
  followUp(previous: { threadId: string; n: number }): { id: string; threadId: string; historyId: string };
  /** One queue message for the account, as a push or the cron would send. */
  trigger(): Promise<void>;
  /** A sync called directly (as the sandbox and the concurrent tests do); its error is recorded and returned. */
  sync(): Promise<SyncResult | Error>;
  /** The process dies right after the next `times` drafts.create calls succeed (lease left behind). */
  crashAfterDraft(times: number): void;
  /** The network and the process stop failing (faults planned on the Google fake still play out). */
  calm(): void;
  /** Google's signed push notifications, in the order Gmail sent them (not delivered). */
  pushes: CapturedPush[];
  /** Delivers a captured notification to POST /webhooks/gmail (again); answers its status. */
  replay(push: CapturedPush): Promise<number>;
  /** Resolves when the queue is idle, retries included. */
  settle(): Promise<void>;
  /** Moves the app's clock (leases, quiet accounts) forward. */
  advance(ms: number): void;
  /** The cron after a quiet spell: polls the account, then lets the queue finish. */
  cron(): Promise<void>;
  /** Parsed log lines. */
  events(name?: string): Record<string, string | number>[];
  counters(): Promise<Record<string, number>>;
  connection(): ReturnType<typeof getGmailConnection>;
  close(): void;
}

export interface CapturedPush {
  url: string;
  headers: [string, string][];
  body: string;
}

export interface ChaosOptions {
  store?: 'shopify' | 'woocommerce';
  /** Timeouts of the Gmail, token, Shopify and model clients (production: 15–30 s), so hangs end quickly. */
  timeoutMs?: number;
}

/** startChaos for the running test (call it in the test or in its beforeEach), closed when the test finishes. */
export async function chaosForTest(options: ChaosOptions = {}): Promise<Chaos> {
  const c = await startChaos(options);
  onTestFinished(() => c.close());
  return c;
}

/** The caller closes it (a property run starts one per case); a test's own comes from chaosForTest. */
export async function startChaos(options: ChaosOptions = {}): Promise<Chaos> {
  const net = createFaultFetch();
  const rt = await startTestRuntime({}, { wrapFetch: (f) => net.wrap(f) });
  await recordCursorMoves(rt.services);
  const order = sampleOrder({
    number: CANARY.orderNumber,
    email: CANARY.senderAddress,
    tracking: [{ company: 'CanaryPost', number: CANARY.tracking, url: CANARY.trackingUrl }],
    items: [{ title: CANARY.item, quantity: 1 }],
    shippingCity: CANARY.city,
  });
  const { accountId, mailbox } = await rt.reset(options.store ?? 'shopify', [order]);
  const s = rt.services;
  const google = rt.sandbox!.fakes.google;
  // Pushes are captured, not delivered: each test decides what triggers a sync, and may replay
  // Google's signed notifications late, twice or out of order.
  const pushes: CapturedPush[] = [];
  google.onPush(async (req) => {
    // Recorded before the first await: Gmail hands the push over while the mail is delivered.
    const push = { url: req.url, headers: [...req.headers], body: '' };
    pushes.push(push);
    push.body = await req.text();
    return new Response(null, { status: 204 });
  });
  rt.queueMessages.length = 0;

  let skew = 0;
  s.now = () => Date.now() + skew;
  const errors: string[] = [];
  const remember = (err: unknown) => {
    const e = err as Error & { cause?: unknown };
    errors.push(String(err), e?.message ?? '', e?.stack ?? '', JSON.stringify(err) ?? '', String(e?.cause ?? ''));
  };
  const state = { deadLetters: 0, crashesLeft: 0, crashed: false };
  const openRecorded = recordingMailboxes(s, remember, options.timeoutMs);
  s.openMailbox = (refreshToken) => {
    const mailbox = openRecorded(refreshToken);
    return {
      ...mailbox,
      createDraft: async (threadId, raw) => {
        const created = await mailbox.createDraft(threadId, raw);
        if (state.crashesLeft > 0) {
          state.crashesLeft--;
          state.crashed = true;
          // A failure that ends the whole run, as dying would (a per-message error would only skip the message).
          throw new DatabaseError('process died');
        }
        return created;
      },
    };
  };
  const openOrders = s.openOrderSource;
  s.openOrderSource = (connection, credentials) =>
    recording(
      options.timeoutMs !== undefined && credentials.kind === 'shopify'
        ? createShopifyOrderSource({
            shop: connection.storeDomain,
            accessToken: credentials.accessToken,
            apiVersion: s.config.shopify.apiVersion,
            baseUrl: s.config.shopify.apiUrl,
            fetch: s.fetch,
            timeoutMs: options.timeoutMs,
          })
        : openOrders(connection, credentials),
      remember,
    );
  const { openai } = s.config;
  const writer =
    options.timeoutMs === undefined
      ? s.replyWriter
      : createReplyWriter({
          apiKey: openai.apiKey,
          baseUrl: openai.baseUrl,
          model: openai.model,
          fetch: s.fetch,
          timeoutMs: options.timeoutMs,
        });
  s.replyWriter = recording(writer, remember);

  /**
   * A process that dies runs no cleanup: the lease it held stays taken until it expires. The
   * pipeline's own error path let it go, so it is put back as the dead process left it.
   */
  const afterCrash = async () => {
    if (!state.crashed) return;
    state.crashed = false;
    await s.db
      .update(gmailConnections)
      .set({ syncLeaseOwner: 'dead-process', syncLeaseUntil: s.now() + SYNC_LEASE_TTL_MS })
      .where(eq(gmailConnections.accountId, accountId));
  };
  const queue = createMemoryQueue({
    consume: async (batch) => {
      await consumeSyncBatch(s, batch, { sleep: noSleep });
      await afterCrash();
    },
    maxRetries: 5,
    onSend: (m) => rt.queueMessages.push(m),
    onDeadLetter: (m) => {
      state.deadLetters++;
      s.logger.error(
        'queue.dead_letter',
        'accountId' in m ? { accountId: m.accountId } : 'requestId' in m ? { requestId: m.requestId } : {},
      );
    },
    // The delay asked for is in the queue.retry log line; the test does not wait for it.
    setTimer: (fn) => setTimeout(fn, 0),
  });
  s.queue = meteredQueue(queue);

  let n = 0;
  const delivered: string[] = [];
  const deserving = new Set<string>();
  const deliver = (raw: string) => {
    const m = google.insertMessage(mailbox, raw);
    delivered.push(m.historyId);
    return m;
  };
  const sender = `${CANARY.senderName} <${CANARY.senderAddress}>`;

  const chaos: Chaos = {
    rt,
    s,
    accountId,
    mailbox,
    google,
    net,
    queue,
    deserving,
    delivered,
    errors,
    get deadLetters() {
      return state.deadLetters;
    },
    question: (opts = {}) => {
      const i = ++n;
      const ongoing = opts.ongoing ?? i % 2 === 1;
      if (ongoing) {
        // The merchant wrote first (a shipping notice from their own mailbox: SENT, not in the inbox).
        google.insertMessage(
          mailbox,
          customerMail({
            from: mailbox,
            subject: `${CANARY.subject} ${i}`,
            body: 'Your order is on its way.',
            messageId: `<chaos-${i}-earlier@chaos-canary.example>`,
          }),
          { labelIds: ['SENT'] },
        );
      }
      const m = deliver(
        customerMail({
          from: sender,
          subject: ongoing ? `Re: ${CANARY.subject} ${i}` : `${CANARY.subject} ${i}`,
          body: `${CANARY.body} where is my order #${CANARY.orderNumber}? (${i})`,
          messageId: `<chaos-${i}@chaos-canary.example>`,
          ...(ongoing ? { inReplyTo: `<chaos-${i}-earlier@chaos-canary.example>` } : {}),
        }),
      );
      if (ongoing && m.threadId === m.id) throw new Error('question did not join the merchant’s thread');
      deserving.add(m.threadId);
      return { ...m, n: i };
    },
    newsletter: () => {
      const i = ++n;
      return deliver(
        customerMail({
          from: sender,
          subject: `${CANARY.subject} news ${i}`,
          body: `${CANARY.body} our news, order #${CANARY.orderNumber}`,
          messageId: `<chaos-${i}@chaos-canary.example>`,
          extraHeaders: [`List-Id: <${CANARY.listName}>`],
        }),
      );
    },
    poison: () => {
      const i = ++n;
      const text = `${CANARY.body} where is my order #${CANARY.orderNumber}? (${i})`;
      return deliver(
        nestedMultipartMail({
          from: sender,
          to: mailbox,
          subject: `${CANARY.subject} ${i}`,
          text,
          messageId: `<chaos-${i}@chaos-canary.example>`,
        }),
      );
    },
    hostileHtml: () => {
      const i = ++n;
      const text = `${CANARY.body} where is my order #${CANARY.orderNumber}? (${i})`;
      const m = deliver(
        hostileHtmlMail({
          from: sender,
          to: mailbox,
          subject: `${CANARY.subject} ${i}`,
          text,
          bytes: 256 * 1024,
          messageId: `<chaos-${i}@chaos-canary.example>`,
        }),
      );
      deserving.add(m.threadId);
      return m;
    },
    replyToAttack: () => {
      const i = ++n;
      const text = `${CANARY.body} where is my order #${CANARY.orderNumber}? (${i})`;
      const m = deliver(
        replyToAttackMail({
          from: sender,
          to: mailbox,
          subject: `${CANARY.subject} ${i}`,
          text,
          replyTo: ATTACKER,
          messageId: `<chaos-${i}@chaos-canary.example>`,
        }),
      );
      deserving.add(m.threadId);
      return m;
    },
    followUp: (previous) => {
      const i = ++n;
      const m = deliver(
        customerMail({
          from: sender,
          subject: `Re: ${CANARY.subject} ${previous.n}`,
          body: `${CANARY.body} any news about #${CANARY.orderNumber}? (${i})`,
          messageId: `<chaos-${i}@chaos-canary.example>`,
          inReplyTo: `<chaos-${previous.n}@chaos-canary.example>`,
        }),
      );
      if (m.threadId !== previous.threadId) throw new Error('follow-up did not join its thread');
      return m;
    },
    trigger: () => queue.send({ accountId }),
    sync: () =>
      syncAccount(s, accountId, { sleep: noSleep })
        .catch((err: unknown) => {
          remember(err);
          return err as Error;
        })
        .finally(afterCrash),
    crashAfterDraft: (times) => void (state.crashesLeft += times),
    calm: () => {
      state.crashesLeft = 0;
      net.clear();
    },
    pushes,
    replay: async (push) => {
      await google.flushPushes();
      const res = await rt.app.request(push.url, { method: 'POST', headers: push.headers, body: push.body });
      return res.status;
    },
    settle: () => queue.idle(),
    advance: (ms) => void (skew += ms),
    cron: async () => {
      skew += QUIET_AFTER_MS + 1;
      await runScheduled(s);
      await queue.idle();
    },
    events: (name) =>
      rt.logs.map((l) => JSON.parse(l) as Record<string, string | number>).filter((e) => !name || e.event === name),
    counters: () => countersFor(s.db, accountId, utcDay(s.now())),
    connection: () => getGmailConnection(s.db, accountId),
    close: () => {
      net.clear();
      rt.close();
    },
  };
  return chaos;
}

/** The production mailbox, with the clients' timeouts shortened when asked, and its errors recorded. */
function recordingMailboxes(
  s: Services,
  remember: (err: unknown) => void,
  timeoutMs?: number,
): Services['openMailbox'] {
  const open = s.openMailbox;
  return (refreshToken) => {
    const mailbox =
      timeoutMs === undefined
        ? open(refreshToken)
        : createGmailMailbox({
            rootUrl: s.config.google.gmailApiUrl,
            fetch: s.fetch,
            auth: createAuthorizedClient(s.googleOAuth, refreshToken, { timeoutMs }),
            timeoutMs,
          });
    return recording(mailbox, remember);
  };
}

/** The same object, with every error its methods throw recorded on the way out. */
export function recording<T extends object>(target: T, remember: (err: unknown) => void): T {
  const out = { ...target } as Record<string, unknown>;
  for (const [key, value] of Object.entries(target)) {
    if (typeof value !== 'function') continue;
    out[key] = async (...args: unknown[]) => {
      try {
        return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      } catch (err) {
        remember(err);
        throw err;
      }
    };
  }
  return out as T;
}

/**
 * Every value the history cursor takes, written by the database itself (a trigger), so no write
 * can slip past however it is made.
 */
async function recordCursorMoves(s: Services): Promise<void> {
  await s.db.run(
    sql`CREATE TABLE chaos_cursor_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL, cursor TEXT)`,
  );
  await s.db.run(sql`CREATE TRIGGER chaos_cursor_insert AFTER INSERT ON gmail_connections
    BEGIN INSERT INTO chaos_cursor_log (account_id, cursor) VALUES (NEW.account_id, NEW.history_cursor); END`);
  await s.db.run(sql`CREATE TRIGGER chaos_cursor_update AFTER UPDATE OF history_cursor ON gmail_connections
    WHEN NEW.history_cursor IS NOT OLD.history_cursor
    BEGIN INSERT INTO chaos_cursor_log (account_id, cursor) VALUES (NEW.account_id, NEW.history_cursor); END`);
}

export async function cursorMoves(s: Services, accountId: string): Promise<(string | null)[]> {
  const rows = await s.db.all<{ cursor: string | null }>(
    sql`SELECT cursor FROM chaos_cursor_log WHERE account_id = ${accountId} ORDER BY seq`,
  );
  return rows.map((r) => r.cursor);
}
