import { eq } from 'drizzle-orm';
import { resumeComplianceRequest } from '../compliance/perform';
import { bumpCounters } from '../db/counters';
import { complianceRequests, gmailConnections } from '../db/schema';
import type { LogFields } from '../platform/log';
import { metered } from '../platform/subrequests';
import {
  parseQueueMessage,
  sendBatch,
  type Delivery,
  type PushMessage,
  type QueueMessage,
  type SyncMessage,
} from '../platform/queue';
import type { Services } from '../services';
import { repairWooStore } from './woo-store-repair';
import { classifyFailure, retryDelaySeconds } from './failures';
import {
  invocationFull,
  MESSAGE_SUBREQUEST_RESERVE,
  type PushDelivery,
  syncAccount,
  syncPushedMailbox,
  type SyncOptions,
} from './sync';
import { renewWatch } from './watch-renewal';

/** Accounts of one batch synced side by side: a slow mailbox does not hold up the other nine. */
export const BATCH_CONCURRENCY = 3;

/**
 * The queue consumer, shared by Workers and Node: one piece of work per message (a few of a batch
 * side by side): a sync, or a job the cron queued (a watch renewal, a store repair, a compliance
 * request). Ack on success, retry with backoff and jitter (honouring Retry-After) when retrying can
 * help, ack and count when it cannot.
 * A malformed message is acked and dropped, since retrying cannot fix it.
 */
export async function consumeSyncBatch(
  s: Services,
  batch: readonly Delivery[],
  options: SyncOptions = {},
): Promise<void> {
  // Redeliveries start first: deferred, a redelivered push would spend a retry (it keeps its place
  // by one) and anything else would lose its count of attempts (it goes back as a fresh copy).
  const work = workOf(s, batch).sort((a, b) => b.delivery.attempts - a.delivery.attempts);
  // One meter for the invocation: the syncs check it as well as their own (sync.ts overBudget).
  await metered(async (invocation) => {
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const item = work[next++]!;
        if (invocationFull(invocation, options, WORK_START_RESERVE)) await defer(s, item);
        else await consumeOne(s, item, options);
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, work.length) }, worker));
  });
}

/** What a piece of work may cost before its first check: a sync's own calls and one message. */
const WORK_START_RESERVE = MESSAGE_SUBREQUEST_RESERVE + 10;

/**
 * Work the invocation has no subrequests left for goes back on the queue unstarted, for another
 * invocation: as fresh copies in one send (one subrequest), so that waiting neither spends its
 * retries (each retry counts towards max_retries) nor makes a first push look like a redelivery,
 * which is not counted. A redelivered leading push keeps its place by a retry. If the send fails,
 * every delivery is retried.
 */
async function defer(s: Services, work: Work): Promise<void> {
  s.logger.info('queue.deferred', { ...idsOf(work.message), reason: jobOf(work.message), count: work.riders.length });
  const all = [{ message: work.message, delivery: work.delivery }, ...work.riders];
  const isPush = 'mailboxKey' in work.message;
  const again = isPush ? all.filter((r) => r.delivery.attempts <= 1) : all.slice(0, 1);
  const keptByRetry = isPush && work.delivery.attempts > 1 ? work.delivery : null;
  try {
    // Empty when a redelivered push has only redelivered riders: then nothing is sent.
    await sendBatch(
      s.queue,
      again.map((r) => r.message),
    );
  } catch {
    for (const { delivery } of all) delivery.retry({ delaySeconds: 0 });
    return;
  }
  for (const { delivery } of all) {
    if (delivery === keptByRetry) delivery.retry({ delaySeconds: 0 });
    else delivery.ack();
  }
}

/** A message to run, and the deliveries of the same sync (with their messages) that ride on it: acked when it is settled. */
interface Work {
  message: QueueMessage;
  delivery: Delivery;
  riders: { message: QueueMessage; delivery: Delivery }[];
  /**
   * Pushes among them delivered for the first time (counted as notifications by the sync). A
   * leader that fails before its first round trip comes back as a redelivery and counts none of
   * them: a dashboard count is lost, never mail.
   */
  firstPushes: number;
}

/**
 * The batch's messages as work, one sync per mailbox: Gmail pushes on every INBOX change (a message
 * read or archived, a draft saved), so a merchant at work sends bursts, and run apart each push of
 * a burst would take the lease or ask its holder for a rerun. The push with the highest historyId
 * runs; a sync reads to the mailbox's end, so its retry or its dead letter covers the others too.
 * Repeats of one account's sync are one sync too. Jobs run as they come.
 */
function workOf(s: Services, batch: readonly Delivery[]): Work[] {
  const work: Work[] = [];
  const bySync = new Map<string, Work>();
  for (const delivery of batch) {
    const message = parseQueueMessage(delivery.body);
    if (!message) {
      s.logger.warn('queue.malformed_message');
      delivery.ack();
      continue;
    }
    const first = 'mailboxKey' in message && delivery.attempts <= 1 ? 1 : 0;
    const key = 'job' in message ? null : 'mailboxKey' in message ? `push:${message.mailboxKey}` : message.accountId;
    const same = key === null ? undefined : bySync.get(key);
    if (!same) {
      const item = { message, delivery, riders: [], firstPushes: first };
      work.push(item);
      if (key !== null) bySync.set(key, item);
      continue;
    }
    same.firstPushes += first;
    if (leads(message, delivery, same)) {
      same.riders.push({ message: same.message, delivery: same.delivery });
      same.message = message;
      same.delivery = delivery;
    } else same.riders.push({ message, delivery });
  }
  return work;
}

/**
 * The newer push leads; of two alike (repeats of one account's sync too), the one with more
 * retries left, since a rider's retries are the leader's.
 */
function leads(message: QueueMessage, delivery: Delivery, current: Work): boolean {
  const fewerAttempts = delivery.attempts < current.delivery.attempts;
  if (!('mailboxKey' in message)) return fewerAttempts;
  const ahead = BigInt(message.historyId) - BigInt((current.message as PushMessage).historyId);
  return ahead > 0n || (ahead === 0n && fewerAttempts);
}

/** Runs the message's work; what it returns is a reason word for the log. */
async function run(s: Services, message: QueueMessage, options: SyncOptions, delivery: PushDelivery): Promise<string> {
  if ('mailboxKey' in message) return (await syncPushedMailbox(s, message, options, delivery)).status;
  if (!('job' in message)) return (await syncAccount(s, message.accountId, options)).status;
  switch (message.job) {
    case 'renew_watch':
      return renewWatch(s, message.accountId);
    case 'repair_store':
      return repairWooStore(s, message.accountId);
    case 'compliance':
      return resumeComplianceRequest(s, message.requestId);
  }
}

/** The message's ids, as log fields (ids only, never anything else; a push's mailbox key is not logged). */
const idsOf = (message: QueueMessage): LogFields => {
  if ('requestId' in message) return { requestId: message.requestId };
  return 'accountId' in message ? { accountId: message.accountId } : {};
};
const jobOf = (message: QueueMessage) => ('job' in message ? message.job : 'sync');

async function consumeOne(s: Services, work: Work, options: SyncOptions): Promise<void> {
  const { message, delivery } = work;
  const ids = idsOf(message);
  // A push names no account; the sync tells it once found, so these lines can say whose work it was.
  const pushDelivery: PushDelivery = {
    notifications: work.firstPushes,
    onAccount: (accountId) => void (ids.accountId = accountId),
  };
  const started = s.now();
  try {
    const result = await run(s, message, options, pushDelivery);
    if ('job' in message)
      s.logger.debug('queue.job_done', { ...ids, ms: s.now() - started, reason: `${message.job}:${result}` });
    else s.logger.debug('queue.synced', { ...ids, ms: s.now() - started, reason: result, count: work.riders.length });
    delivery.ack();
  } catch (err) {
    const failure = classifyFailure(err);
    if (!failure.retryable) {
      s.logger.error('queue.gave_up', {
        ...ids,
        reason: jobOf(message),
        errorClass: failure.class,
        attempt: delivery.attempts,
      });
      delivery.ack();
      return;
    }
    const delaySeconds = retryDelaySeconds(err, delivery.attempts);
    s.logger.warn('queue.retry', {
      ...ids,
      reason: jobOf(message),
      errorClass: failure.class,
      attempt: delivery.attempts,
      ms: delaySeconds * 1000,
    });
    delivery.retry({ delaySeconds });
  } finally {
    for (const rider of work.riders) rider.delivery.ack();
  }
}

/**
 * The dead-letter queue's consumer: a message that ran out of retries is not the end of the road,
 * and is acked here after being counted as `error:dead_lettered` on its account. A sync marks the
 * account for the next cron pass (a rerun request with no lease, which pollQuietAccounts picks up);
 * a job needs no mark, since what it was for is still due and the next cron tick queues it again.
 */
export async function consumeDeadLetters(s: Services, batch: readonly Delivery[]): Promise<void> {
  for (const delivery of batch) {
    const message = parseQueueMessage(delivery.body);
    if (message) {
      const accountId = !('job' in message)
        ? await markForCron(s, message)
        : 'accountId' in message
          ? message.accountId
          : await complianceAccount(s, message.requestId);
      if (accountId) await bumpCounters(s.db, accountId, { 'error:dead_lettered': 1 }, s.now());
      s.logger.error('queue.dead_letter', {
        ...idsOf(message),
        ...(accountId ? { accountId } : {}),
        reason: jobOf(message),
      });
    } else s.logger.warn('queue.malformed_message');
    delivery.ack();
  }
}

/** A dead-lettered sync's account, marked for the next cron pass (found by its key for a push's). */
async function markForCron(s: Services, message: SyncMessage): Promise<string | null> {
  const [row] = await s.db
    .update(gmailConnections)
    .set({ syncRerunRequested: true })
    .where(
      'mailboxKey' in message
        ? eq(gmailConnections.mailboxKey, message.mailboxKey)
        : eq(gmailConnections.accountId, message.accountId),
    )
    .returning({ accountId: gmailConnections.accountId });
  return row?.accountId ?? ('accountId' in message ? message.accountId : null);
}

/** The account a compliance request concerns, where one is known yet (a shop's may not be). */
async function complianceAccount(s: Services, requestId: string): Promise<string | null> {
  const [row] = await s.db
    .select({ accountId: complianceRequests.accountId })
    .from(complianceRequests)
    .where(eq(complianceRequests.id, requestId));
  return row?.accountId ?? null;
}
