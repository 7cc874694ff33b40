import { and, eq, exists, getTableColumns, inArray, isNotNull, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { type Account, DRAFTING_STORE_STATUSES, type GmailConnection, type StoreConnection } from './accounts';
import type { Db } from './client';
import { SYNC_LEASE_TTL_MS } from './lease';
import { accounts, gmailConnections, optOuts, storeConnections } from './schema';

/**
 * What a run decided with, as an earlier run in this isolate read it: the account's settings, its
 * connections and its opt-out hashes. A push to a mailbox synced here before starts from this
 * instead of a database read, and takes the lease only when it first needs it (a draft, a page's
 * cursor) or with its last writes, on the premise that nothing here has changed.
 */
export interface AccountSnapshot {
  account: Account;
  gmail: GmailConnection & { sealedRefreshToken: string };
  store: StoreConnection & { sealedCredentials: string };
  optOutHashes: ReadonlySet<string>;
}

/** Past this many opt-outs an account's pushes read the account instead (the premise names every hash). */
export const SNAPSHOT_OPT_OUTS_MAX = 100;

/**
 * Takes the lease, in one UPDATE, only when the premise holds: nobody holds the lease, the cursor
 * is still `cursor`, the Gmail connection is the same active one, every account setting is as
 * remembered, the store is the same connection in a drafting state, and the opt-outs are exactly
 * the remembered ones. rowsAffected 0: the premise failed and nothing was taken.
 *
 * The store's sealed credentials and its drafting status may have moved (a token refresh, a shop
 * frozen for a bill): the run's order source reads and writes them conditionally itself.
 */
export function syncLeaseAcquireOnPremise(
  db: Db,
  snapshot: AccountSnapshot,
  cursor: string,
  owner: string,
  now: number,
  ttlMs = SYNC_LEASE_TTL_MS,
) {
  const { account, gmail, store } = snapshot;
  const g = gmailConnections;
  return db
    .update(g)
    .set({ syncLeaseOwner: owner, syncLeaseUntil: now + ttlMs, syncRerunRequested: false })
    .where(
      and(
        eq(g.accountId, account.id),
        or(isNull(g.syncLeaseOwner), isNull(g.syncLeaseUntil), lt(g.syncLeaseUntil, now)),
        eq(g.historyCursor, cursor),
        eq(g.status, 'active'),
        eq(g.sealedRefreshToken, gmail.sealedRefreshToken),
        eq(g.mailbox, gmail.mailbox),
        eq(g.connectedAt, gmail.connectedAt),
        exists(
          db
            .select({ one: sql`1` })
            .from(accounts)
            .where(and(...sameAs(accounts, account, ['sessionEpoch']))),
        ),
        exists(
          db
            .select({ one: sql`1` })
            .from(storeConnections)
            .where(
              and(
                eq(storeConnections.id, store.id),
                eq(storeConnections.accountId, account.id),
                isNotNull(storeConnections.sealedCredentials),
                inArray(storeConnections.status, [...DRAFTING_STORE_STATUSES]),
              ),
            ),
        ),
        ...sameOptOuts(account.id, snapshot.optOutHashes),
      ),
    );
}

/** Every column of `row` as remembered (NULL compared as NULL), but those the drafting never reads. */
function sameAs<T extends Record<string, unknown>>(
  table: Parameters<typeof getTableColumns>[0],
  row: T,
  ignored: readonly (keyof T)[],
): SQL[] {
  return Object.entries(getTableColumns(table))
    .filter(([key]) => !ignored.includes(key as keyof T))
    .map(([key, column]) => {
      const value = row[key];
      return value === null || value === undefined ? isNull(column) : eq(column as SQLiteColumn, value);
    });
}

/** The account's opt-outs are exactly `hashes`: as many, and every one of them. */
function sameOptOuts(accountId: string, hashes: ReadonlySet<string>): SQL[] {
  const count = sql`(SELECT count(*) FROM ${optOuts} WHERE ${optOuts.accountId} = ${accountId})`;
  if (!hashes.size) return [sql`${count} = 0`];
  const named = sql`(SELECT count(*) FROM ${optOuts} WHERE ${optOuts.accountId} = ${accountId} AND ${inArray(optOuts.addressHash, [...hashes])})`;
  return [sql`${count} = ${hashes.size}`, sql`${named} = ${hashes.size}`];
}
