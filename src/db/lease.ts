import { and, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { cursorBehind } from './accounts';
import type { Db } from './client';
import { placeholder as ph, prebuilt } from './prebuilt';
import { gmailConnections } from './schema';

/**
 * One sync per account at a time, across isolates and processes, with nothing but three columns
 * of gmail_connections: who holds the lease, until when, and whether a trigger arrived meanwhile.
 *
 * Every step is a single conditional UPDATE, so the database decides races, not the callers:
 * - acquire: take the lease if nobody holds it or the holder's time ran out (a crashed run);
 * - a trigger that finds it taken sets sync_rerun_requested and goes away without waiting;
 * - the holder, when done, either releases (no rerun asked) or clears the flag and runs once more.
 * A holder renews while it works; a run that outlives its lease without renewing loses it.
 */

/**
 * Renewed before every message and again before each draft is written, so it only has to outlast
 * one message's slowest stretch (model retries and one regeneration, each call with its timeout);
 * short enough that a crashed run blocks its account for minutes, not hours (the cron then picks
 * up the rerun it left behind).
 */
export const SYNC_LEASE_TTL_MS = 5 * 60_000;

/**
 * The statements below run for every sync, so each is built once (prebuilt.ts) with placeholders
 * for what differs per call: `ph(name)`.
 */
const mine = and(eq(gmailConnections.accountId, ph('accountId')), eq(gmailConnections.syncLeaseOwner, ph('owner')));

/** Nobody holds the lease, or the holder's time ran out (at placeholder `now`; lease-on-premise.ts too). */
export const leaseFree = or(
  isNull(gmailConnections.syncLeaseOwner),
  isNull(gmailConnections.syncLeaseUntil),
  lt(gmailConnections.syncLeaseUntil, ph('now')),
);
const taken = { syncLeaseOwner: ph('owner'), syncLeaseUntil: ph('until'), syncRerunRequested: false };

/** Takes the lease when it is free or expired. True when `owner` now holds it. */
export async function acquireSyncLease(
  db: Db,
  accountId: string,
  owner: string,
  now: number,
  ttlMs = SYNC_LEASE_TTL_MS,
): Promise<boolean> {
  const result = await syncLeaseAcquire(db, accountId, owner, now, ttlMs);
  return result.rowsAffected > 0;
}

/** acquireSyncLease's one statement, to send in a batch with what the holder reads next (rowsAffected 1: taken). */
export function syncLeaseAcquire(db: Db, accountId: string, owner: string, now: number, ttlMs = SYNC_LEASE_TTL_MS) {
  return acquireById(db, { accountId, owner, now, until: now + ttlMs });
}
const acquireById = prebuilt((db: Db) =>
  db
    .update(gmailConnections)
    .set(taken)
    .where(and(eq(gmailConnections.accountId, ph('accountId')), leaseFree)),
);

/**
 * syncLeaseAcquire for a push, which names the mailbox by its key (google/mailbox-key.ts) and the
 * point Gmail has reached: taken only when a sync has work to do, i.e. the connection is active
 * and its cursor is behind that point. A late or repeated notification takes nothing.
 */
export function syncLeaseAcquireForPush(
  db: Db,
  push: { mailboxKey: string; historyId: string },
  owner: string,
  now: number,
  ttlMs = SYNC_LEASE_TTL_MS,
) {
  return acquireByKey(db, { mailboxKey: push.mailboxKey, historyId: push.historyId, owner, now, until: now + ttlMs });
}
const acquireByKey = prebuilt((db: Db) =>
  db
    .update(gmailConnections)
    .set(taken)
    .where(
      and(
        eq(gmailConnections.mailboxKey, ph('mailboxKey')),
        eq(gmailConnections.status, 'active'),
        isNotNull(gmailConnections.sealedRefreshToken),
        leaseFree,
        cursorBehind(ph('historyId')),
      ),
    ),
);

/**
 * Asks the live holder to run once more. True when a live holder was found (it will pick the
 * request up); false when the lease is free or expired, so the caller should try to acquire instead.
 */
export async function requestSyncRerun(db: Db, accountId: string, now: number): Promise<boolean> {
  const result = await db
    .update(gmailConnections)
    .set({ syncRerunRequested: true })
    .where(
      and(
        eq(gmailConnections.accountId, accountId),
        isNotNull(gmailConnections.syncLeaseOwner),
        sql`${gmailConnections.syncLeaseUntil} >= ${now}`,
      ),
    );
  return result.rowsAffected > 0;
}

/** Extends the holder's lease. False when `owner` no longer holds it (it expired and was taken). */
export async function renewSyncLease(
  db: Db,
  accountId: string,
  owner: string,
  now: number,
  ttlMs = SYNC_LEASE_TTL_MS,
): Promise<boolean> {
  const result = await db
    .update(gmailConnections)
    .set({ syncLeaseUntil: now + ttlMs })
    .where(and(eq(gmailConnections.accountId, accountId), eq(gmailConnections.syncLeaseOwner, owner)));
  return result.rowsAffected > 0;
}

/** How long after a renewal the holder takes the lease as still its own without asking the database. */
export const LEASE_TRUST_MS = SYNC_LEASE_TTL_MS / 5;

/**
 * The holder's side of the lease, for calling before every message and every draft. Nobody can take
 * a lease before it expires, so within LEASE_TRUST_MS of the last renewal (or of acquiring it, at
 * `heldSince`) the answer is yes without a database round trip; after that it renews, and says no
 * when the lease was lost. A disconnect clears the lease and revokes the grant at Google, which ends
 * the access token a run holds in memory: its next Gmail call fails and it stops (test/pipeline/lease.test.ts).
 */
export function leaseKeeper(
  db: Db,
  accountId: string,
  owner: string,
  now: () => number,
  heldSince: number,
): () => Promise<boolean> {
  let renewedAt = heldSince;
  return async () => {
    const at = now();
    if (at - renewedAt < LEASE_TRUST_MS) return true;
    if (!(await renewSyncLease(db, accountId, owner, at))) return false;
    renewedAt = at;
    return true;
  };
}

/**
 * The holder is done with one run. 'released' when nobody asked for more; 'rerun' when a trigger
 * arrived meanwhile (the flag is cleared and the lease extended: run again, then call this again);
 * 'lost' when the lease is no longer the holder's.
 */
export async function finishSyncRun(
  db: Db,
  accountId: string,
  owner: string,
  now: number,
  ttlMs = SYNC_LEASE_TTL_MS,
): Promise<LeaseStep> {
  const [released, rerun] = await db.batch(syncRunFinish(db, accountId, owner, now, ttlMs));
  return finishedAs([released, rerun]);
}

export type LeaseStep = 'released' | 'rerun' | 'lost';

/**
 * finishSyncRun's statements, to send last in a batch with the run's own last writes (one round trip).
 * At most one of the two applies: the first frees the lease, so the second no longer finds it ours;
 * the second needs the rerun flag the first required to be unset.
 */
export function syncRunFinish(db: Db, accountId: string, owner: string, now: number, ttlMs = SYNC_LEASE_TTL_MS) {
  return [finishReleased(db, { accountId, owner }), finishRerun(db, { accountId, owner, until: now + ttlMs })] as const;
}
const finishReleased = prebuilt((db: Db) =>
  db
    .update(gmailConnections)
    .set({ syncLeaseOwner: null, syncLeaseUntil: null })
    .where(and(mine, eq(gmailConnections.syncRerunRequested, false))),
);
const finishRerun = prebuilt((db: Db) =>
  db
    .update(gmailConnections)
    .set({ syncRerunRequested: false, syncLeaseUntil: ph('until') })
    .where(and(mine, eq(gmailConnections.syncRerunRequested, true))),
);

/** What syncRunFinish's two results say. */
export function finishedAs([released, rerun]: readonly [
  { rowsAffected: number },
  { rowsAffected: number },
]): LeaseStep {
  if (released.rowsAffected > 0) return 'released';
  return rerun.rowsAffected > 0 ? 'rerun' : 'lost';
}

/**
 * Lets go whatever happens (after a failure, or when the holder stops rerunning). Says whether a
 * rerun had been asked for, which is then nobody's job: the caller queues one instead.
 */
export async function releaseSyncLease(db: Db, accountId: string, owner: string): Promise<{ rerunPending: boolean }> {
  const [withRerun, plain] = await db.batch(syncLeaseRelease(db, accountId, owner));
  return releasedAs([withRerun, plain]);
}

/** releaseSyncLease's statements, to send last in a batch; the second finds the lease ours only when the first did not apply. */
export function syncLeaseRelease(db: Db, accountId: string, owner: string) {
  return [releaseAskedRerun(db, { accountId, owner }), release(db, { accountId, owner })] as const;
}
const free = { syncLeaseOwner: null, syncLeaseUntil: null, syncRerunRequested: false };
const releaseAskedRerun = prebuilt((db: Db) =>
  db
    .update(gmailConnections)
    .set(free)
    .where(and(mine, eq(gmailConnections.syncRerunRequested, true))),
);
const release = prebuilt((db: Db) => db.update(gmailConnections).set(free).where(mine));

export function releasedAs([withRerun]: readonly [{ rowsAffected: number }, { rowsAffected: number }]): {
  rerunPending: boolean;
} {
  return { rerunPending: withRerun.rowsAffected > 0 };
}
