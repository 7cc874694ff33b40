import { and, eq, exists, getTableColumns, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { type Account, DRAFTING_STORE_STATUSES, type GmailConnection, type StoreConnection } from './accounts';
import { placeholder as ph, prebuilt } from './prebuilt';
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
  const { account, gmail, store, optOutHashes } = snapshot;
  const settings = Object.fromEntries(
    ACCOUNT_SETTINGS.map(([key]) => {
      const value = account[key];
      return [`a_${key}`, typeof value === 'boolean' ? Number(value) : value];
    }),
  );
  return onPremise(db, {
    ...settings,
    accountId: account.id,
    owner,
    now,
    until: now + ttlMs,
    cursor,
    sealedRefreshToken: gmail.sealedRefreshToken,
    mailbox: gmail.mailbox,
    connectedAt: gmail.connectedAt,
    storeId: store.id,
    optOutCount: optOutHashes.size,
    optOutHashes: JSON.stringify([...optOutHashes]),
  });
}

/** The account's columns the premise compares: all but its id (compared apart) and the session epoch, which drafting never reads. */
const ACCOUNT_SETTINGS = Object.entries(getTableColumns(accounts)).filter(
  ([key]) => key !== 'id' && key !== 'sessionEpoch',
) as [keyof Account, SQLiteColumn][];

const g = gmailConnections;
const o = optOuts;
/** Built once (prebuilt.ts): it runs for every push to a warm mailbox. NULL settings compare with IS. */
const onPremise = prebuilt((db: Db) =>
  db
    .update(g)
    .set({ syncLeaseOwner: ph('owner'), syncLeaseUntil: ph('until'), syncRerunRequested: false })
    .where(
      and(
        eq(g.accountId, ph('accountId')),
        or(isNull(g.syncLeaseOwner), isNull(g.syncLeaseUntil), lt(g.syncLeaseUntil, ph('now'))),
        eq(g.historyCursor, ph('cursor')),
        eq(g.status, 'active'),
        eq(g.sealedRefreshToken, ph('sealedRefreshToken')),
        eq(g.mailbox, ph('mailbox')),
        eq(g.connectedAt, ph('connectedAt')),
        exists(
          db
            .select({ one: sql`1` })
            .from(accounts)
            .where(
              and(
                eq(accounts.id, ph('accountId')),
                ...ACCOUNT_SETTINGS.map(([key, column]) => sql`${column} IS ${ph(`a_${key}`)}`),
              ),
            ),
        ),
        exists(
          db
            .select({ one: sql`1` })
            .from(storeConnections)
            .where(
              and(
                eq(storeConnections.id, ph('storeId')),
                eq(storeConnections.accountId, ph('accountId')),
                isNotNull(storeConnections.sealedCredentials),
                inArray(storeConnections.status, [...DRAFTING_STORE_STATUSES]),
              ),
            ),
        ),
        // Exactly the remembered opt-outs: as many, and every one of them (a JSON array of hashes).
        sql`(SELECT count(*) FROM ${o} WHERE ${o.accountId} = ${ph('accountId')}) = ${ph('optOutCount')}`,
        sql`(SELECT count(*) FROM ${o} WHERE ${o.accountId} = ${ph('accountId')} AND ${o.addressHash} IN (SELECT value FROM json_each(${ph('optOutHashes')}))) = ${ph('optOutCount')}`,
      ),
    ),
);
