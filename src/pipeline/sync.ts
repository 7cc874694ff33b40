import { alias } from 'drizzle-orm/sqlite-core';
import { and, eq, inArray, notExists, type SQL, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import {
  type Account,
  type GmailConnection,
  type StoreConnection,
  type gmailConnectionTouch,
  historyCursorUpdate,
  isCursorBehind,
  lastPushTouch,
  lastSyncTouch,
  markGmailReconnectNeeded,
  storeCanDraft,
} from '../db/accounts';
import { hasOptOut } from '../compliance/erase';
import {
  bumpCounters,
  counterUpsert,
  heldCounterUpsert,
  mailboxKeyCounterUpsert,
  type CounterName,
} from '../db/counters';
import {
  type AccountSnapshot,
  SNAPSHOT_MAX_AGE_MS,
  SNAPSHOT_OPT_OUTS_MAX,
  syncLeaseAcquireOnPremise,
} from '../db/lease-on-premise';
import type { Db } from '../db/client';
import { inDatabase } from '../db/errors';
import { prebuilt } from '../db/prebuilt';
import { recordFailingMessage } from '../db/failing-message';
import {
  finishedAs,
  leaseKeeper,
  releasedAs,
  releaseSyncLease,
  requestSyncRerun,
  syncLeaseAcquire,
  syncLeaseAcquireForPush,
  syncLeaseRelease,
  syncRunFinish,
} from '../db/lease';
import { accounts, gmailConnections, optOuts, storeConnections } from '../db/schema';
import { parseDraftKinds } from '../drafting/kinds';
import { policiesOf } from '../drafting/policies';
import type { GmailMailbox, HistoryPage } from '../google/gmail';
import { mailboxKeyOf } from '../google/mailbox-key';
import { toHex } from '../crypto/encoding';
import { hmacSha256 } from '../crypto/hmac';
import { newId } from '../platform/ids';
import { errorClass } from '../platform/log';
import { ok, refused, type Refused, type Result } from '../platform/result';
import type { PushMessage } from '../platform/queue';
import { metered, type SubrequestMeter } from '../platform/subrequests';
import { openStoreCredentials, sealedAs } from '../db/sealed';
import type { Services } from '../services';
import { classifyFailure, messageFailureVerdict, type FailureClass } from './failures';
import { handleMessage, LeaseLostError, type MessageContext, type MessageRef, type Outcome } from './handle-message';
import { readNewMessages } from './history-pages';
import type { EarlyHistory } from './known-cursors';

export type SyncResult =
  | { status: 'synced'; seen: number; drafted: number; runs: number }
  | { status: 'cursor_initialised' }
  /** Another run holds the account's lease; it was asked to run once more, which covers this trigger. */
  | { status: 'busy' }
  /** A push whose historyId the cursor has already passed (late or repeated): nothing to read. */
  | { status: 'already_synced' }
  | { status: 'skipped'; reason: NotReadyReason | 'lease_lost' };

/** What a sync is asked for: an account (the cron, a rerun, a hand-over), or the mailbox a push named. */
type SyncTarget = { accountId: string } | (PushMessage & { delivery: PushDelivery });

/** Why an account cannot be synced now (no mail is read). */
type NotReadyReason = 'no_account' | 'not_connected' | 'reconnect_needed' | 'no_store';

export interface SyncOptions {
  /** Messages handled per run; the rest goes to a new queue message. */
  maxMessages?: number;
  /** Subrequests (outside calls and database statements over HTTP) one sync may make; the rest goes to a new queue message. */
  subrequestBudget?: number;
  /** Subrequests the syncs of one queue invocation may make together (consume.ts). */
  invocationBudget?: number;
  /** For the in-process retries of the model and the store. */
  sleep?: (ms: number) => Promise<void>;
}

/** Keeps one run well inside a queue consumer's time, with a model call per message. */
export const MAX_MESSAGES_PER_RUN = 50;
/**
 * Well under Workers' 1,000 subrequests per invocation (paid plan). Before each message the sync
 * checks that the worst a message can cost (MESSAGE_SUBREQUEST_RESERVE: Gmail reads and a token
 * refresh, the store and the model with their retries and one regeneration, its database
 * statements) still fits its own budget and its queue invocation's; otherwise it hands over.
 */
export const SUBREQUEST_BUDGET = 300;
/** Measured worst: about 48 (three orders named, the store throttled, the model failing twice), plus a regeneration and a token renewal. */
export const MESSAGE_SUBREQUEST_RESERVE = 60;
/**
 * What a queue batch's syncs (up to ten accounts) may make together: Workers' 1,000 less what the
 * BATCH_CONCURRENCY syncs running may still spend after their last check (3 × a message and a
 * hand-over ≈ 190 at worst).
 */
export const INVOCATION_SUBREQUEST_BUDGET = 800;
/** Reruns asked for while running are honoured this many times, then handed to the queue. */
const MAX_RUNS = 3;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * sync(account): one run at a time per account (the lease in db/lease.ts); read what arrived since
 * the cursor, handle each new inbox message, move the cursor past what was handled.
 *
 * A trigger that finds a run under way asks it to run once more and returns 'busy' at once. A
 * retryable failure throws: the lease is let go and the queue re-runs the step later; the
 * one-draft-per-thread check makes the re-run safe, and the cursor never passes unhandled mail.
 */
export function syncAccount(s: Services, accountId: string, options: SyncOptions = {}): Promise<SyncResult> {
  return metered((meter) => syncMetered(s, { accountId }, options, meter));
}

/** syncAccount for the mailbox a push named, found by its key in the round trip that takes the lease. */
export function syncPushedMailbox(
  s: Services,
  push: PushMessage,
  options: SyncOptions = {},
  delivery: PushDelivery = { notifications: 1 },
): Promise<SyncResult> {
  return metered((meter) => syncMetered(s, { ...push, delivery }, options, meter));
}

/** How the queue handed a push's sync over. */
export interface PushDelivery {
  /**
   * The notifications this sync stands for that were not counted yet: 1 for a push delivered the
   * first time, 0 for a redelivery (a retry neither counts nor times it again), more when pushes
   * of one batch for the same mailbox ride on this one (consume.ts).
   */
  notifications: number;
  /** Told the account the key names once it is found, for the consumer's log lines. */
  onAccount?: (accountId: string) => void;
}

async function syncMetered(
  s: Services,
  target: SyncTarget,
  options: SyncOptions,
  meter: SubrequestMeter,
): Promise<SyncResult> {
  // Started before the lease's round trip and used only if that read finds the same cursor.
  const early = 'mailboxKey' in target ? readHistoryEarly(s, target) : undefined;
  if (early?.snapshot && 'mailboxKey' in target && s.now() - early.snapshot.readAt < SNAPSHOT_MAX_AGE_MS) {
    const onPremise = await syncOnPremise(s, target, early, early.snapshot, options, meter);
    if (onPremise.status !== 'premise_failed') return onPremise;
    // What the premise's run saw was out of date: read the account and run again (the early page
    // still counts if the cursor is where it was read from); its notification is counted already.
    if (onPremise.notified) target = { ...target, delivery: { ...target.delivery, notifications: 0 } };
  }
  const owner = newId('lease');
  const heldSince = s.now();
  const claim = await claimLease(s, target, owner);
  if (claim === 'already_synced') return { status: 'already_synced' };
  if ('busy' in claim) {
    s.logger.debug('sync.busy', { accountId: claim.busy });
    return { status: 'busy' };
  }
  const synced = claim.held
    ? await runsUnderLease(
        s,
        claim.accountId,
        heldLease(s, claim.accountId, owner, heldSince),
        claim.loaded,
        options,
        meter,
        early,
      )
    : notReady(claim.loaded);
  if (synced === 'premise_failed') throw new Error('a held lease has no premise'); // unreachable
  // Nothing to sync (not connected, waiting for a reconnect, no store): nothing worth remembering.
  if (synced.status === 'skipped' && 'mailboxKey' in target) s.knownCursors.forget(target.mailboxKey);
  return synced;
}

/**
 * A push to a mailbox this isolate synced before: the run starts from the remembered account
 * (AccountSnapshot) and the history page read early, with no database round trip first. The lease
 * is taken on the premise that nothing remembered has changed, when the run first needs it (a
 * draft, a page's cursor) or, when the run only skipped, in the one round trip of its last writes.
 * A failed premise, or any failure before the lease is taken, leaves nothing written but the push's
 * notification count: the caller then syncs as usual.
 */
async function syncOnPremise(
  s: Services,
  push: PushMessage & { delivery: PushDelivery },
  early: EarlyHistory,
  snapshot: AccountSnapshot,
  options: SyncOptions,
  meter: SubrequestMeter,
): Promise<SyncResult | { status: 'premise_failed'; notified: boolean }> {
  const { accountId } = early;
  push.delivery.onAccount?.(accountId);
  const lease = leaseOnPremise(s, push, snapshot, early.cursor);
  const loaded: Loaded = ok({ ...snapshot, gmail: { ...snapshot.gmail, historyCursor: early.cursor } });
  const synced = await runsUnderLease(s, accountId, lease, loaded, options, meter, early);
  if (synced === 'premise_failed') {
    // Out of date: the usual sync that follows remembers the account afresh (unless a sync in this
    // isolate already did meanwhile).
    if (s.knownCursors.get(push.mailboxKey)?.snapshot === snapshot) s.knownCursors.forget(push.mailboxKey);
    s.logger.info('sync.premise_failed', { accountId });
    return { status: 'premise_failed', notified: lease.notified };
  }
  return synced;
}

/**
 * Runs under the lease until nobody asks for more: each run's last writes go with the lease's next
 * step in one round trip; a rerun asked for meanwhile runs here (up to MAX_RUNS), then becomes a
 * queue message. 'premise_failed': a lease on a premise was never taken, and nothing was written.
 */
async function runsUnderLease(
  s: Services,
  accountId: string,
  firstLease: HeldLease,
  firstLoaded: Loaded,
  options: SyncOptions,
  meter: SubrequestMeter,
  early: EarlyHistory | undefined,
): Promise<SyncResult | 'premise_failed'> {
  const { owner } = firstLease;
  let loaded = firstLoaded;
  let lease = firstLease;
  let seen = 0;
  let drafted = 0;
  try {
    for (let runs = 1; ; runs++) {
      const run = await runOnce(s, accountId, lease, options, meter, loaded, runs === 1 ? early : undefined);
      if (run.result.status === 'synced') {
        seen += run.result.seen;
        drafted += run.result.drafted;
      }
      const result: SyncResult =
        run.result.status === 'synced' ? { status: 'synced', seen, drafted, runs } : run.result;
      // Done, out of reruns or of subrequests, or mail left over: the run's last writes and the
      // lease's release in one round trip; a rerun asked for meanwhile becomes a queue message.
      // A lease on a premise not taken yet is taken first in the same trip, and let go at its end.
      if (
        !lease.held() ||
        run.result.status !== 'synced' ||
        run.moreLeft ||
        runs >= MAX_RUNS ||
        overBudget(meter, options)
      ) {
        const takes = lease.takeWithLastWrites();
        const results = await oneTrip(s, [...takes, ...run.lastWrites, ...syncLeaseRelease(s.db, accountId, owner)]);
        if (takes.length) {
          if ((results[0] as { rowsAffected: number }).rowsAffected === 0) return 'premise_failed';
          lease.tookWithLastWrites(); // written: what fails from here on is the usual sync's trouble
        }
        remember(s, loaded, run.endCursor);
        const { rerunPending } = releasedAs(lastTwo(results));
        if (rerunPending || run.moreLeft) await s.queue.send({ accountId });
        return result;
      }
      const heldSince = s.now();
      const results = await oneTrip(s, [...run.lastWrites, ...syncRunFinish(s.db, accountId, owner, heldSince)]);
      remember(s, loaded, run.endCursor);
      if (finishedAs(lastTwo(results)) !== 'rerun') return result;
      // Read afresh for the rerun: the merchant may have paused or reconnected, or the grant died.
      lease = heldLease(s, accountId, owner, heldSince);
      loaded = await loadAccount(s, accountId);
    }
  } catch (err) {
    // Before the lease on a premise was taken nothing was written: the usual sync redoes the run
    // under a lease, and meets the same failure there if it lasts (with its counting and marking).
    if (!lease.held()) {
      if (!(err instanceof PremiseFailed))
        s.logger.info('sync.premise_abandoned', { accountId, errorClass: classifyFailure(err).class });
      return 'premise_failed';
    }
    if (loaded.ok && loaded.gmail.mailboxKey) s.knownCursors.forget(loaded.gmail.mailboxKey);
    const failure = classifyFailure(err);
    // Only while the lease is still ours: a disconnect or reconnect meanwhile cleared it, and the
    // dead token was the old connection's, not the new one's.
    const marked =
      failure.class === 'reconnect_needed' && (await markGmailReconnectNeeded(s.db, accountId, { leaseOwner: owner }));
    await releaseSyncLease(s.db, accountId, owner).catch(() => s.logger.warn('sync.release_failed', { accountId }));
    if (failure.class === 'reconnect_needed' && !marked) {
      s.logger.warn('sync.lease_lost', { accountId });
      return { status: 'skipped', reason: 'lease_lost' };
    }
    await bumpCounters(s.db, accountId, { [`error:${failure.class}`]: 1 }, s.now()).catch(() => undefined);
    if (marked) {
      s.logger.warn('sync.reconnect_needed', { accountId });
      return { status: 'skipped', reason: 'reconnect_needed' };
    }
    throw err;
  }
}

/** The premise was found out of date when the lease was first needed: the run stops, and nothing is written. */
class PremiseFailed extends Error {
  override readonly name = 'PremiseFailed';
}

/** A lease taken before the run: renewed when it could run out, lost when another run took it. */
function heldLease(s: Services, accountId: string, owner: string, heldSince: number): HeldLease {
  const keep = leaseKeeper(s.db, accountId, owner, () => s.now(), heldSince);
  return {
    owner,
    onPremise: false,
    keep,
    hold: () => inDatabase(keep),
    held: () => true,
    takeWithLastWrites: () => [],
    tookWithLastWrites: () => undefined,
  };
}

/**
 * The lease on a premise (syncLeaseAcquireOnPremise), with the push's notification counted in the
 * round trip that first asks for it. Until it is taken no message needs it (keep says yes); `hold`
 * takes it or throws PremiseFailed; a run that never needed it takes it with its last writes.
 */
function leaseOnPremise(
  s: Services,
  push: PushMessage & { delivery: PushDelivery },
  snapshot: AccountSnapshot,
  cursor: string,
): HeldLease & { notified: boolean } {
  const accountId = snapshot.account.id;
  const owner = newId('lease');
  let keeper: (() => Promise<boolean>) | null = null;
  const statements = (now: number) => {
    const noted = lease.notified ? [] : pushNoted(s, push, now);
    lease.notified = true;
    return [syncLeaseAcquireOnPremise(s.db, snapshot, cursor, owner, now), ...noted] as const;
  };
  const lease = {
    owner,
    onPremise: true,
    notified: false,
    held: () => keeper !== null,
    keep: () => (keeper ? keeper() : Promise.resolve(true)),
    async hold() {
      if (keeper) return inDatabase(keeper);
      const now = s.now();
      const [taken] = await inDatabase(() => s.db.batch(statements(now)));
      if (taken.rowsAffected === 0) throw new PremiseFailed('the remembered account is out of date');
      keeper = leaseKeeper(s.db, accountId, owner, () => s.now(), now);
      return true;
    },
    takeWithLastWrites: () => (keeper ? [] : statements(s.now())),
    tookWithLastWrites() {
      keeper = async () => false; // let go in the same trip: nothing more may be written under it
    },
  };
  return lease;
}

/** A push's notification, counted and timed on the connection its key names. */
function pushNoted(s: Services, push: PushMessage & { delivery: PushDelivery }, now: number) {
  const { notifications } = push.delivery;
  if (notifications <= 0) return [];
  return [
    lastPushTouch(s.db, { mailboxKey: push.mailboxKey, at: now }),
    mailboxKeyCounterUpsert(s.db, push.mailboxKey, 'notifications', now, notifications),
  ] as const;
}

/**
 * The first history page from where this isolate last left the mailbox, asked for now, side by
 * side with the lease's round trip; only when that cursor is behind the push (else there may be
 * nothing to read, and the lease's read decides).
 */
function readHistoryEarly(s: Services, push: PushMessage): EarlyHistory | undefined {
  const known = s.knownCursors.get(push.mailboxKey);
  if (!known || !isCursorBehind(known.cursor, push.historyId)) return undefined;
  const refreshToken = s.sealer.open(known.sealedRefreshToken, sealedAs.gmailRefreshToken(known.accountId));
  const page = refreshToken.then((token) => s.openMailbox(token).listHistory(known.cursor));
  // Not awaited when the lease's read says otherwise.
  refreshToken.catch(() => undefined);
  page.catch(() => undefined);
  return { ...known, refreshToken, page };
}

/** After a run's last writes: where it left the cursor, for the next push's early read. */
function remember(s: Services, loaded: Loaded, endCursor: string | undefined) {
  if (!loaded.ok || !loaded.gmail.mailboxKey) return;
  if (!endCursor) return s.knownCursors.forget(loaded.gmail.mailboxKey);
  const { optOutHashes } = loaded;
  s.knownCursors.set(loaded.gmail.mailboxKey, {
    accountId: loaded.gmail.accountId,
    sealedRefreshToken: loaded.gmail.sealedRefreshToken,
    cursor: endCursor,
    // A long opt-out list is not remembered: the premise names every hash.
    snapshot: optOutHashes && optOutHashes.size <= SNAPSHOT_OPT_OUTS_MAX ? { ...loaded, optOutHashes } : undefined,
  });
}

/** Statements sent in one batch: one round trip to Turso, run in order. */
const oneTrip = (s: Services, statements: BatchItem<'sqlite'>[]) =>
  s.db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
type BatchResults = readonly { rowsAffected: number }[];
const lastTwo = (results: readonly unknown[]) =>
  (results as BatchResults).slice(-2) as unknown as readonly [{ rowsAffected: number }, { rowsAffected: number }];

/**
 * Takes the lease and reads the account in the same round trip, or asks the lease's live holder to
 * run once more ('busy'). A lease freed in between is retried; with no Gmail connection row to hold
 * it on, the read says why. An account that is not ready (paused, waiting for a reconnect, no store)
 * is found out by the run itself, under the lease.
 */
async function claimLease(s: Services, target: SyncTarget, owner: string): Promise<Claim> {
  let accountId: string;
  if ('mailboxKey' in target) {
    const pushed = await claimForPush(s, target, owner);
    if (pushed.decided) return pushed.claim;
    accountId = pushed.accountId;
  } else accountId = target.accountId;

  for (let i = 0; i < 3; i++) {
    const [taken, ...read] = await s.db.batch([
      syncLeaseAcquire(s.db, accountId, owner, s.now()),
      ...accountRead(s, { accountId }),
    ]);
    const loaded = loadedFrom(read, s.now());
    if (taken.rowsAffected > 0) return { held: true, accountId, loaded };
    // No Gmail connection (or account) to hold a lease on: nothing to wait for.
    if (!loaded.ok && (loaded.reason === 'no_account' || loaded.reason === 'not_connected'))
      return { held: false, loaded };
    if (await requestSyncRerun(s.db, accountId, s.now())) return { busy: accountId };
  }
  return { held: false, loaded: refused('not_connected') };
}

type Claim =
  | { held: true; accountId: string; loaded: Loaded }
  | { held: false; loaded: Refused<NotReadyReason> }
  | { busy: string }
  | 'already_synced';

/**
 * A push's one round trip: the account found by the mailbox key, the notification counted and
 * timed, and the lease taken only when there is new mail to read (syncLeaseAcquireForPush). Not
 * taken, it is decided here (an unknown mailbox, an account not ready, a cursor already past the
 * push), or a live holder is asked to run once more; a lease freed in between is for claimLease.
 */
async function claimForPush(
  s: Services,
  push: PushMessage & { delivery: PushDelivery },
  owner: string,
): Promise<{ decided: true; claim: Claim } | { decided: false; accountId: string }> {
  const now = s.now();
  const noted = pushNoted(s, push, now);
  const [taken, ...rest] = await s.db.batch([
    syncLeaseAcquireForPush(s.db, push, owner, now),
    ...noted,
    ...accountRead(s, push),
  ]);
  const read = rest.slice(noted.length);
  const accountId = accountIdOf(read);
  if (!accountId) {
    // No address to log: the key names a mailbox we do not have (or one connected before keys).
    s.logger.info('push.unknown_mailbox');
    return { decided: true, claim: { held: false, loaded: refused('no_account') } };
  }
  push.delivery.onAccount?.(accountId);
  const loaded = loadedFrom(read, s.now());
  if (taken.rowsAffected > 0) return { decided: true, claim: { held: true, accountId, loaded } };
  if (!loaded.ok) return { decided: true, claim: { held: false, loaded } };
  if (!isCursorBehind(loaded.gmail.historyCursor, push.historyId)) return { decided: true, claim: 'already_synced' };
  if (await requestSyncRerun(s.db, accountId, s.now())) return { decided: true, claim: { busy: accountId } };
  return { decided: false, accountId };
}

interface LoadedAccount {
  account: Account;
  gmail: GmailConnection & { sealedRefreshToken: string; historyCursor: string | null };
  store: StoreConnection & { sealedCredentials: string };
  /** The account's opt-out hashes, read with it; null when there are too many to hold (then asked per message). */
  optOutHashes: ReadonlySet<string> | null;
  /** When it was read from the database. */
  readAt: number;
}

/** Opt-out hashes read up front with the account; past this many they are looked up one by one. */
const PRELOADED_OPT_OUTS = 1000;
type Loaded = Result<LoadedAccount, NotReadyReason>;
const notReady = (loaded: Refused<NotReadyReason>): SyncResult => ({ status: 'skipped', reason: loaded.reason });

/**
 * The account with its connections, and its opt-out hashes: two statements, sent in one batch with
 * whatever goes before them. A push's account is the one its mailbox key names. Built once
 * (db/prebuilt.ts): they run for every sync.
 */
function accountRead(s: Services, target: SyncTarget) {
  return 'mailboxKey' in target
    ? ([accountByKey(s.db, target), optOutsByKey(s.db, target)] as const)
    : ([accountById(s.db, target), optOutsById(s.db, target)] as const);
}

const accountRow = (db: Db, accountIs: SQL | undefined) =>
  db
    .select({ account: accounts, gmail: gmailConnections, store: storeConnections })
    .from(accounts)
    .leftJoin(gmailConnections, eq(gmailConnections.accountId, accounts.id))
    .leftJoin(storeConnections, eq(storeConnections.accountId, accounts.id))
    .where(accountIs)
    .limit(1);
const optOutRows = (db: Db, accountIs: SQL | undefined) =>
  db
    .select({ hash: optOuts.addressHash })
    .from(optOuts)
    .where(accountIs)
    .limit(PRELOADED_OPT_OUTS + 1);
const keyed = (db: Db) =>
  db
    .select({ id: gmailConnections.accountId })
    .from(gmailConnections)
    .where(eq(gmailConnections.mailboxKey, sql.placeholder('mailboxKey')));

const accountById = prebuilt<ReturnType<typeof accountRow>, { accountId: string }>((db) =>
  accountRow(db, eq(accounts.id, sql.placeholder('accountId'))),
);
const accountByKey = prebuilt<ReturnType<typeof accountRow>, { mailboxKey: string }>((db) =>
  accountRow(db, inArray(accounts.id, keyed(db))),
);
const optOutsById = prebuilt<ReturnType<typeof optOutRows>, { accountId: string }>((db) =>
  optOutRows(db, eq(optOuts.accountId, sql.placeholder('accountId'))),
);
const optOutsByKey = prebuilt<ReturnType<typeof optOutRows>, { mailboxKey: string }>((db) =>
  optOutRows(db, inArray(optOuts.accountId, keyed(db))),
);

async function loadAccount(s: Services, accountId: string): Promise<Loaded> {
  return loadedFrom(await s.db.batch(accountRead(s, { accountId })), s.now());
}

const accountIdOf = (read: readonly unknown[]): string | null => (read as AccountRows)[0][0]?.account.id ?? null;

type AccountRead = ReturnType<typeof accountRead>;
type AccountRows = [Awaited<AccountRead[0]>, Awaited<AccountRead[1]>];

function loadedFrom(read: readonly unknown[], readAt: number): Loaded {
  const [[row], hashes] = read as AccountRows;
  if (!row) return refused('no_account');
  const { account, gmail, store } = row;
  if (!gmail?.sealedRefreshToken) return refused('not_connected');
  if (gmail.status !== 'active') return refused('reconnect_needed');
  if (!store?.sealedCredentials || !storeCanDraft(store.status)) return refused('no_store');
  return ok({
    account,
    gmail: { ...gmail, sealedRefreshToken: gmail.sealedRefreshToken },
    store: { ...store, sealedCredentials: store.sealedCredentials },
    optOutHashes: hashes.length > PRELOADED_OPT_OUTS ? null : new Set(hashes.map((h) => h.hash)),
    readAt,
  });
}

interface HeldLease {
  owner: string;
  /** Before each message: whether the lease is still ours (renewed when it could run out). */
  keep: () => Promise<boolean>;
  /** Before a write only the holder may make (a draft, a page's cursor, a failing message's tally). */
  hold: () => Promise<boolean>;
  /** Started on a remembered account (leaseOnPremise). */
  onPremise: boolean;
  /** False only for a lease on a premise not taken yet. */
  held: () => boolean;
  /** For a lease on a premise not taken yet: the statements that take it, to go first in the last writes' trip. */
  takeWithLastWrites: () => readonly BatchItem<'sqlite'>[];
  /** Those statements took it (and the trip let it go again). */
  tookWithLastWrites: () => void;
}

/** One run's result, its last writes (sent by the caller with the lease's next step), and whether mail is left for another run. */
interface Run {
  result: SyncResult;
  lastWrites: LastWrite[];
  moreLeft: boolean;
  /** Where the cursor stands once the last writes are in (undefined: not known). */
  endCursor?: string;
}
type LastWrite =
  | ReturnType<typeof gmailConnectionTouch>
  | Awaited<ReturnType<typeof mailboxKeyBackfill>>[number]
  | ReturnType<typeof historyCursorUpdate>
  | NonNullable<ReturnType<typeof heldCounterUpsert>>;

/** What one run is working with: the account's mailbox, the context its messages are handled in, its counts. */
interface RunContext {
  s: Services;
  accountId: string;
  lease: HeldLease;
  options: SyncOptions;
  meter: SubrequestMeter;
  paused: boolean;
  mailbox: GmailMailbox;
  messageContext: MessageContext;
  /** Counts not written yet: a page's go in with its cursor, the rest with the run's last writes. */
  counts: Partial<Record<CounterName, number>>;
  /** Drafts written in this run, for its result. */
  drafted: number;
  /** Messages read from Gmail before a lease on a premise was taken (at most one). */
  readBeforeLease: number;
}

/**
 * One run under the lease, in the order the data flows. Its writes are left to the caller, which
 * sends them with the lease's next step; only a page boundary, a lost lease or a failure (the
 * counts so far) writes on its own.
 */
async function runOnce(
  s: Services,
  accountId: string,
  lease: HeldLease,
  options: SyncOptions,
  meter: SubrequestMeter,
  loaded: Loaded,
  early?: EarlyHistory,
): Promise<Run> {
  // 1. An account that cannot draft ends the run before anything is opened.
  if (!loaded.ok) return { result: notReady(loaded), lastWrites: [], moreLeft: false };

  // 2. The Gmail token and the store's keys, opened in memory for this run only, and the context
  //    its messages are handled in (the order source, voice, policies, enabled kinds; no call yet).
  //    The history page read before the lease counts only if read from this cursor with this token.
  const matched =
    early?.accountId === accountId &&
    early.cursor === loaded.gmail.historyCursor &&
    early.sealedRefreshToken === loaded.gmail.sealedRefreshToken
      ? early
      : undefined;
  const run = await openRun(s, accountId, lease, options, meter, loaded, matched?.refreshToken);

  // 3. A mailbox seen for the first time: the cursor starts where the mailbox is now.
  const keyWrites = await mailboxKeyBackfill(s, loaded.gmail);
  const cursor = loaded.gmail.historyCursor;
  if (!cursor) {
    const profile = await run.mailbox.getProfile();
    return {
      result: { status: 'cursor_initialised' },
      lastWrites: [...keyWrites, historyCursorUpdate(s.db, accountId, profile.historyId, { leaseOwner: lease.owner })],
      moreLeft: false,
      endCursor: profile.historyId,
    };
  }

  // 4. Every message added since the cursor, one at a time; what was handled is counted even when
  //    a later message fails and the step is retried.
  let handled: NewMessagesHandled;
  try {
    handled = await handleNewMessages(run, cursor, matched?.page);
  } catch (err) {
    // A lease on a premise not taken yet writes nothing: the run is done again as usual.
    if (lease.held()) await bumpCounters(s.db, accountId, run.counts, s.now());
    throw err;
  }

  // 5. Our lease ran out and another run took it: stop, it carries on. The cursor and this page's
  //    counts go in only while the lease is still ours; otherwise that run handles and counts them again.
  if (!handled.ok) {
    // Except its drafts: they are in Gmail, and the run that took over finds them already drafted.
    const { drafted, ...rest } = run.counts;
    const counted = heldCounterUpsert(s.db, accountId, lease.owner, rest, s.now());
    const draftsCounted = counterUpsert(s.db, accountId, { drafted }, s.now());
    const writes = [
      ...(handled.safeCursor
        ? [historyCursorUpdate(s.db, accountId, handled.safeCursor, { leaseOwner: lease.owner })]
        : []),
      ...(counted ? [counted] : []),
      ...(draftsCounted ? [draftsCounted] : []),
    ];
    if (writes.length) await oneTrip(s, writes);
    s.logger.warn('sync.lease_lost', { accountId });
    return { result: { status: 'skipped', reason: 'lease_lost' }, lastWrites: [], moreLeft: false };
  }

  // 6. The run's last writes, for the lease's next step's round trip: sync time, cursor, counters.
  const upsert = heldCounterUpsert(s.db, accountId, lease.owner, run.counts, s.now());
  const lastWrites: LastWrite[] = [
    ...keyWrites,
    lastSyncTouch(s.db, { accountId, owner: lease.owner, at: s.now() }),
    ...(handled.finalCursor
      ? [historyCursorUpdate(s.db, accountId, handled.finalCursor, { leaseOwner: lease.owner })]
      : []),
    ...(upsert ? [upsert] : []),
  ];
  const mode = lease.onPremise ? { mode: 'on_premise' } : {};
  s.logger.info('sync.done', { accountId, count: handled.seen, subrequests: meter.count, ...mode });
  const result: SyncResult = { status: 'synced', seen: handled.seen, drafted: run.drafted, runs: 1 };
  return { result, lastWrites, moreLeft: handled.moreLeft, endCursor: handled.reached };
}

const keyHolder = alias(gmailConnections, 'key_holder');

/**
 * A connection from before mailbox keys has none, so its pushes find nothing and the cron polls
 * it; that poll's last writes give it its key (for the mailbox it was read with).
 */
async function mailboxKeyBackfill(s: Services, gmail: GmailConnection) {
  if (gmail.mailboxKey) return [];
  const mailboxKey = await mailboxKeyOf(s.config.secrets.hashKey, gmail.mailbox);
  return [
    s.db
      .update(gmailConnections)
      .set({ mailboxKey })
      .where(
        and(
          eq(gmailConnections.accountId, gmail.accountId),
          eq(gmailConnections.mailbox, gmail.mailbox),
          // Another row holding the key (mailboxes that differ only by case, from before connect
          // normalised them) must not fail the run's last writes for good: this row stays key-less.
          notExists(s.db.select({ one: sql`1` }).from(keyHolder).where(eq(keyHolder.mailboxKey, mailboxKey))),
        ),
      ),
  ];
}

async function openRun(
  s: Services,
  accountId: string,
  lease: HeldLease,
  options: SyncOptions,
  meter: SubrequestMeter,
  loaded: LoadedAccount,
  openedRefreshToken?: Promise<string>,
): Promise<RunContext> {
  const { account, gmail, store, optOutHashes } = loaded;
  const refreshToken = await (openedRefreshToken ??
    s.sealer.open(gmail.sealedRefreshToken, sealedAs.gmailRefreshToken(accountId)));
  const credentials = await openStoreCredentials(s, store);
  const mailbox = s.openMailbox(refreshToken);
  const counts: Partial<Record<CounterName, number>> = {};
  const messageContext: MessageContext = {
    mailbox,
    mailboxAddress: gmail.mailbox,
    // The row as this run leaves it is what the next push's premise finds (a refreshed token).
    orders: s.openOrderSource(store, credentials, (change) => {
      loaded.store = { ...loaded.store, ...change };
    }),
    writer: s.replyWriter,
    voice: {
      shopName: account.shopName ?? 'our shop',
      tone: account.tone,
      signOffName: account.signOffName ?? account.shopName ?? 'The team',
      fallbackLanguage: account.fallbackLanguage,
    },
    signature: account.signature,
    policies: policiesOf(account),
    stalledAfterDays: account.stalledAfterDays,
    connectedAt: gmail.connectedAt,
    draftKinds: parseDraftKinds(account.draftKinds),
    hashKey: s.config.secrets.hashKey,
    now: s.now,
    retry: { attempts: 3, baseDelayMs: 250, maxWaitMs: 10_000, sleep: options.sleep ?? sleep },
    onFailure: (failure) => bump(counts, `error:${failure.class}`),
    // Renewed only when it could run out; a disconnect meanwhile also ends the run's Gmail token.
    keepLease: () => lease.hold(),
    // Read with the account (one round trip for the run); asked per message only for a very long list.
    isOptedOut: async (hash) =>
      optOutHashes ? optOutHashes.has(hash) : inDatabase(() => hasOptOut(s.db, [accountId], hash)),
  };
  return {
    s,
    accountId,
    lease,
    options,
    meter,
    paused: account.paused,
    mailbox,
    messageContext,
    counts,
    drafted: 0,
    readBeforeLease: 0,
  };
}

/** The run's counts not written yet, handed over for writing (the run starts counting afresh). */
function takeCounts(run: RunContext): Partial<Record<CounterName, number>> {
  const taken = { ...run.counts };
  for (const name of Object.keys(run.counts) as CounterName[]) delete run.counts[name];
  return taken;
}

const bump = (counts: Partial<Record<CounterName, number>>, name: CounterName) => {
  counts[name] = (counts[name] ?? 0) + 1;
};

/**
 * How far a run got: messages seen, where the cursor ends (null: where it was, or moved page by
 * page already) and whether mail is left for another run; or the lease was lost, with the cursor
 * past what was handled before that.
 */
type NewMessagesHandled = Result<
  /** reached: where the cursor stands once finalCursor (if any) is written. */
  { seen: number; finalCursor: string | null; moreLeft: boolean; reached: string },
  'lease_lost',
  { safeCursor: string | null }
>;

/**
 * The new messages page by page. Within a page the cursor may pass a history record only once
 * every message it added is handled (safeCursor); a page handled to its end moves the cursor to
 * the page's end, written at once unless it is the last page (then with the run's last writes).
 */
async function handleNewMessages(
  run: RunContext,
  cursor: string,
  firstPage?: Promise<HistoryPage>,
): Promise<NewMessagesHandled> {
  const budget = run.options.maxMessages ?? MAX_MESSAGES_PER_RUN;
  let seen = 0;
  let reached = cursor; // what the pages written so far moved the cursor to
  const done = (finalCursor: string | null, moreLeft: boolean): NewMessagesHandled =>
    ok({ seen, finalCursor, moreLeft, reached: finalCursor ?? reached });
  for await (const page of readNewMessages(run.mailbox, cursor, firstPage)) {
    let safeCursor: string | null = null;
    for (let i = 0; i < page.refs.length; i++) {
      // At least one message per run, whatever the budget: a hand-over that handled nothing would loop.
      if (seen >= budget || (seen > 0 && overBudget(run.meter, run.options))) return done(safeCursor, true);
      if (!(await run.lease.keep())) return refused('lease_lost', { safeCursor });
      const ref = page.refs[i]!;
      seen++;
      bump(run.counts, 'seen');
      const message = await outcomeOf(run, page.refs, i);
      if (!message.ok) return refused('lease_lost', { safeCursor });
      countOutcome(run, ref, message.outcome);
      const next = page.refs[i + 1];
      if (ref.historyId && (!next || next.historyId !== ref.historyId)) safeCursor = ref.historyId;
    }
    // Truncated without a record read (pages Gmail sends empty): a follow-up would read the very
    // same pages, so the run ends here and the next push or poll tries again.
    if (page.last) return done(page.cursorAfter, page.truncated && page.cursorAfter !== cursor);
    // The next page costs a call even when it adds nothing new: hand over between pages too, once
    // this run has moved the cursor (a hand-over that moved nothing would loop).
    if (page.cursorAfter !== cursor && overBudget(run.meter, run.options)) return done(page.cursorAfter, true);
    if (!run.lease.held()) await run.lease.hold();
    // The page's counts go in with its cursor: a run that takes over later starts past this page.
    const { s, accountId, lease } = run;
    const counted = heldCounterUpsert(s.db, accountId, lease.owner, takeCounts(run), s.now());
    await oneTrip(s, [
      historyCursorUpdate(s.db, accountId, page.cursorAfter, { leaseOwner: lease.owner }),
      ...(counted ? [counted] : []),
    ]);
    reached = page.cursorAfter;
  }
  return done(null, false);
}

/** What became of the page's i-th message, unless the lease was lost while it was handled. */
async function outcomeOf(
  run: RunContext,
  refs: MessageRef[],
  i: number,
): Promise<Result<{ outcome: IsolatedOutcome }, 'lease_lost'>> {
  const ref = refs[i]!;
  if (run.paused) return ok({ outcome: { kind: 'skipped', reason: 'paused' } });
  // The customer wrote again in the same thread: the newer message gets the draft, and this one
  // needs no call at all.
  if (refs.some((r, j) => j > i && r.threadId === ref.threadId))
    return ok({ outcome: { kind: 'skipped', reason: 'newer_message_in_thread' } });
  // A lease on a premise is taken before a second message is read from Gmail: a premise gone stale
  // (another isolate synced meanwhile) costs one message's reads, not a whole backlog's.
  if (!run.lease.held() && run.readBeforeLease++ > 0) await run.lease.hold();
  try {
    const owner = run.lease.owner;
    const held = { accountId: run.accountId, owner, hold: run.lease.hold };
    return ok({ outcome: await handleIsolated(run.s, held, run.messageContext, ref) });
  } catch (err) {
    if (err instanceof LeaseLostError) return refused('lease_lost');
    throw err;
  }
}

/** The message's outcome in the run's counts (and to the sandbox's observer). */
function countOutcome(run: RunContext, ref: MessageRef, outcome: IsolatedOutcome): void {
  if (outcome.failure) bump(run.counts, `error:${outcome.failure}`);
  const word = outcome.kind === 'drafted' ? 'drafted' : outcome.reason;
  bump(run.counts, word === 'drafted' ? 'drafted' : `skipped:${word}`);
  if (word === 'drafted') run.drafted++;
  run.s.onMessageOutcome?.({
    accountId: run.accountId,
    messageId: ref.messageId,
    threadId: ref.threadId,
    outcome: word,
  });
}

/**
 * A message tried in this many runs, over at least this long, with transient failures each time, is
 * given up. Generous on purpose: a storm of ordinary faults (timeouts, dropped connections) must not
 * cost a real customer's mail, only a message that fails for an hour and more.
 */
export const MAX_MESSAGE_ATTEMPTS = 8;
export const MIN_FAILING_SPAN_MS = 60 * 60_000;

/** A skip that a failure caused also names the failure's class, for its `error:<class>` counter. */
type IsolatedOutcome = Outcome & { failure?: FailureClass };

/**
 * One message, its failures settled so that a poison message costs itself, never the mailbox
 * (messageFailureVerdict). The mailbox's own trouble still throws and the run is retried; so does
 * a transient failure of this message, until it has failed MAX_MESSAGE_ATTEMPTS runs over at least
 * MIN_FAILING_SPAN_MS (long enough that a short Gmail outage costs no mail). Only the error's class
 * is logged: its message may quote the mail.
 */
async function handleIsolated(
  s: Services,
  run: { accountId: string; owner: string; hold: () => Promise<boolean> },
  ctx: MessageContext,
  ref: MessageRef,
): Promise<IsolatedOutcome> {
  try {
    return await handleMessage(ctx, ref);
  } catch (err) {
    if (err instanceof LeaseLostError || err instanceof PremiseFailed) throw err;
    const failure = classifyFailure(err);
    const verdict = messageFailureVerdict(failure);
    if (verdict === 'retry_run') throw err;
    if (verdict === 'count') {
      const tag = toHex(await hmacSha256(s.config.secrets.hashKey, `gmail-message:${ref.messageId}`)).slice(0, 32);
      if (!(await run.hold())) throw new LeaseLostError('sync lease lost');
      const tally = await inDatabase(() => recordFailingMessage(s.db, run.accountId, tag, run.owner, s.now()));
      if (!tally) throw new LeaseLostError('sync lease lost');
      if (tally.attempts < MAX_MESSAGE_ATTEMPTS || s.now() - tally.since < MIN_FAILING_SPAN_MS) throw err;
    }
    const reason = verdict === 'count' ? 'kept_failing' : 'unprocessable';
    s.logger.warn('sync.message_skipped', { accountId: run.accountId, reason, errorClass: errorClass(err) });
    return { kind: 'skipped', reason, failure: failure.class };
  }
}

function overBudget(meter: SubrequestMeter, options: SyncOptions): boolean {
  if (meter.count + MESSAGE_SUBREQUEST_RESERVE > (options.subrequestBudget ?? SUBREQUEST_BUDGET)) return true;
  return !!meter.parent && invocationFull(meter.parent, options, MESSAGE_SUBREQUEST_RESERVE);
}

/** Whether the queue invocation's meter cannot fit `reserve` more subrequests. */
export function invocationFull(invocation: SubrequestMeter, options: SyncOptions, reserve: number): boolean {
  return invocation.count + reserve > (options.invocationBudget ?? INVOCATION_SUBREQUEST_BUDGET);
}
