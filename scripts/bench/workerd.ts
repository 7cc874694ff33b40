import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { LogLevel } from 'miniflare';
import type { Order } from '../../src/stores/order';
import { startWorkerWorld, type WorkerWorld } from '../worker-world';
import { conversation, customer, orderOf } from './conversations';

/**
 * Push to draft on the production runtime: the Worker bundle `npm run build` makes, run by workerd
 * (Miniflare) with wrangler.toml's queue and cron, the sandbox beside it in Node, its database the
 * libSQL-over-HTTP endpoint (scripts/worker-world.ts, as test/worker/* use it). Gmail stores a
 * customer's message and pushes; the clock stops when the draft exists in the Google fake.
 *
 * Nothing here is delayed on purpose: the fakes and the database answer over loopback. What the
 * figure holds that the in-process latency measurement does not is the runtime itself and the
 * queue between the push and the consumer (wrangler.toml's max_batch_timeout: Cloudflare, and
 * Miniflare after it, holds a batch that is not full until then).
 */
export interface WorkerdResult {
  /** Median push → draft exists over the measured runs; null when workerd could not run here. */
  workerdPushToDraftMs: number | null;
  /** Why there is no figure (workerd missing, Miniflare failing to start). */
  reason?: string;
  runs: number;
  /** Each measured run, in order (a first run, not counted, warms the isolate and the OAuth token). */
  pushToDraftMsEach: number[];
  /** Of the median run's time: the push until the queue handed the sync to the consumer, and from then until the draft. */
  queueWaitMs?: number;
  consumerToDraftMs?: number;
  /** What one drafted email cost the Worker, from the runs (the libSQL endpoint's and the front's counts). */
  dbHttpRequestsPerDraft?: number;
  dbStatementsPerDraft?: number;
  outsideCallsPerDraft?: number;
  /** Starting Miniflare and the sandbox (not part of any run). */
  startMs?: number;
}

const POLL_MS = 2;
const DRAFT_TIMEOUT_MS = 30_000;

export async function measureWorkerd(runs = 3): Promise<WorkerdResult> {
  // Asked first: Miniflare spawning a binary that is not there crashes the process (an unhandled
  // 'error' event) rather than rejecting, and a bench run must still end with its other figures.
  const missing = workerdMissing();
  if (missing)
    return {
      workerdPushToDraftMs: null,
      reason: `workerd cannot run here: ${missing}`,
      runs: 0,
      pushToDraftMsEach: [],
    };
  const started = performance.now();
  let world: WorkerWorld;
  try {
    // Warnings and errors only: the Worker's info lines (one per step) are not what is measured.
    world = await startWorkerWorld({ logLevel: 'warn', miniflareLogLevel: LogLevel.WARN });
  } catch (err) {
    // A machine without the workerd binary (or where it cannot run) gets no figure, never a guess.
    const e = err as Error;
    return {
      workerdPushToDraftMs: null,
      reason: `workerd (Miniflare) could not start: ${e.message.split('\n')[0]}`,
      runs: 0,
      pushToDraftMsEach: [],
    };
  }
  const startMs = performance.now() - started;
  try {
    // Orders from the last days: the sandbox's shop has Shopify's default 60-day window.
    const orders: Order[] = Array.from({ length: runs + 1 }, (_, i) => ({
      ...orderOf(customer(i), i),
      createdAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
    }));
    const { mailbox } = await world.reset('shopify', orders);
    const google = world.fakes.google;

    const times: { total: number; queueWait: number }[] = [];
    let countsFrom = world.counts();
    for (let i = 0; i <= runs; i++) {
      if (i === 1) countsFrom = world.counts();
      const deliveries = world.queue.deliveries;
      const drafts = google.drafts(mailbox).length;
      const t0 = performance.now();
      // The fake pushes to the Worker from inside this call, as Pub/Sub would on the change.
      const { threadId } = google.insertMessage(mailbox, conversation(i, mailbox, 'workerd').messages.at(-1)!.raw);
      let delivered: number | undefined;
      for (;;) {
        const now = performance.now();
        if (delivered === undefined && world.queue.deliveries > deliveries) delivered = now;
        if (google.drafts(mailbox).some((d) => d.threadId === threadId)) {
          if (i > 0) times.push({ total: now - t0, queueWait: (delivered ?? now) - t0 });
          break;
        }
        if (now - t0 > DRAFT_TIMEOUT_MS)
          throw new Error(`workerd: no draft ${DRAFT_TIMEOUT_MS} ms after the push (run ${i})`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      if (google.drafts(mailbox).length !== drafts + 1) throw new Error(`workerd: expected one more draft in run ${i}`);
      // The next run starts from a quiet queue, so that one run's last writes are not in the next.
      await world.settle();
    }
    const after = world.counts();
    const sorted = [...times].sort((a, b) => a.total - b.total);
    const mid = sorted[Math.floor(sorted.length / 2)]!;
    const per = (n: number) => round2(n / runs);
    return {
      workerdPushToDraftMs: round2(mid.total),
      runs,
      pushToDraftMsEach: times.map((t) => round2(t.total)),
      queueWaitMs: round2(mid.queueWait),
      consumerToDraftMs: round2(mid.total - mid.queueWait),
      dbHttpRequestsPerDraft: per(after.db.httpRequests - countsFrom.db.httpRequests),
      dbStatementsPerDraft: per(after.db.statements - countsFrom.db.statements),
      outsideCallsPerDraft: per(after.api.total - countsFrom.api.total),
      startMs: round2(startMs),
    };
  } finally {
    await world.close();
  }
}

/** Why the workerd binary Miniflare would spawn cannot run here, or null when it answers `--version`. */
function workerdMissing(): string | null {
  try {
    // The binary Miniflare itself resolves: MINIFLARE_WORKERD_PATH, else its `workerd` dependency.
    const fromMiniflare = createRequire(createRequire(import.meta.url).resolve('miniflare'));
    const binary = process.env.MINIFLARE_WORKERD_PATH ?? (fromMiniflare('workerd') as { default: string }).default;
    const run = spawnSync(binary, ['--version'], { timeout: 15_000, encoding: 'utf8' });
    if (run.error) return `${binary}: ${run.error.message}`;
    if (run.status !== 0) return `${binary} --version exited with ${run.status ?? run.signal}`;
    return null;
  } catch (err) {
    return (err as Error).message.split('\n')[0]!;
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;
