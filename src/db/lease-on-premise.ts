import { and, eq, exists, getTableColumns, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Account, GmailConnection, StoreConnection } from './accounts';
import { placeholder as ph, prebuilt } from './prebuilt';
import type { Db } from './client';
import { leaseFree, SYNC_LEASE_TTL_MS } from './lease';
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
  /** When these rows were read from the database; a snapshot is used for SNAPSHOT_MAX_AGE_MS at most. */
  readAt: number;
}

/**
 * How long a snapshot stands in for the account: the premise catches every change anyway, but past
 * this the account is read afresh (and the snapshot replaced), so an account changed in ways the
 * run never meets is not remembered as it was for long.
 */
export const SNAPSHOT_MAX_AGE_MS = 15 * 60_000;

/** Past this many opt-outs an account's pushes read the account instead (the premise names every hash). */
export const SNAPSHOT_OPT_OUTS_MAX = 100;

/**
 * Takes the lease, in one UPDATE, only when the premise holds: nobody holds the lease, the cursor
 * is still `cursor`, the Gmail connection is the same active one, every account setting is as
 * remembered, the store is the same connection with the same sealed credentials and status, and
 * the opt-outs are exactly the remembered ones. rowsAffected 0: the premise failed and nothing was
 * taken. (A run's order source starts from the remembered store row: a refreshed token or a moved
 * status it did not see would have it refresh with a spent token, or never move the status back.)
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
    storeCredentials: store.sealedCredentials,
    storeStatus: store.status,
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
        leaseFree,
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
                eq(storeConnections.sealedCredentials, ph('storeCredentials')),
                eq(storeConnections.status, ph('storeStatus')),
              ),
            ),
        ),
        // Exactly the remembered opt-outs: as many, and every one of them (a JSON array of hashes).
        sql`(SELECT count(*) FROM ${o} WHERE ${o.accountId} = ${ph('accountId')}) = ${ph('optOutCount')}`,
        sql`(SELECT count(*) FROM ${o} WHERE ${o.accountId} = ${ph('accountId')} AND ${o.addressHash} IN (SELECT value FROM json_each(${ph('optOutHashes')}))) = ${ph('optOutCount')}`,
      ),
    ),
);
