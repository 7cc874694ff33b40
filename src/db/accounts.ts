import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Db } from './client';
import { placeholder as ph, prebuilt } from './prebuilt';
import { accounts, consentRecords, gmailConnections, storeConnections } from './schema';

export type Account = typeof accounts.$inferSelect;
export type GmailConnection = typeof gmailConnections.$inferSelect;
export type StoreConnection = typeof storeConnections.$inferSelect;

/**
 * Store states in which mail is drafted: a connected store, and a Shopify store whose customer
 * data is not yet approved (drafts then ask for the order number and disclose nothing).
 */
export const DRAFTING_STORE_STATUSES = [
  'active',
  'customer_data_not_approved',
  'shop_unavailable',
] as const satisfies readonly StoreConnection['status'][];

export function storeCanDraft(status: StoreConnection['status']): boolean {
  return (DRAFTING_STORE_STATUSES as readonly string[]).includes(status);
}

export async function getAccount(db: Db, accountId: string): Promise<Account | undefined> {
  return db.query.accounts.findFirst({ where: eq(accounts.id, accountId) });
}

export async function getGmailConnection(db: Db, accountId: string): Promise<GmailConnection | undefined> {
  return db.query.gmailConnections.findFirst({ where: eq(gmailConnections.accountId, accountId) });
}

export async function findAccountIdByMailbox(db: Db, mailbox: string): Promise<string | undefined> {
  const row = await db.query.gmailConnections.findFirst({
    columns: { accountId: true },
    where: eq(gmailConnections.mailbox, mailbox.trim().toLowerCase()),
  });
  return row?.accountId;
}

export async function getStoreConnection(db: Db, accountId: string): Promise<StoreConnection | undefined> {
  return db.query.storeConnections.findFirst({ where: eq(storeConnections.accountId, accountId) });
}

/**
 * Changes a store connection only while it still holds the credentials the caller read (and, when
 * given, the status it saw): a reconnect (new row), a racing token refresh (new sealed value) or an
 * uninstall in between is never overwritten. True when the row was changed.
 */
export async function updateStoreConnectionIfCurrent(
  db: Db,
  connectionId: string,
  current: { sealedCredentials: string; status?: StoreConnection['status'] },
  changes: Partial<Pick<StoreConnection, 'status' | 'sealedCredentials'>>,
): Promise<boolean> {
  const result = await db
    .update(storeConnections)
    .set(changes)
    .where(
      and(
        eq(storeConnections.id, connectionId),
        eq(storeConnections.sealedCredentials, current.sealedCredentials),
        ...(current.status ? [eq(storeConnections.status, current.status)] : []),
      ),
    );
  return result.rowsAffected > 0;
}

/**
 * Moves the history cursor forward, never back. historyIds are uint64 decimal strings, so the
 * comparison is by length, then lexically (no leading zeros), inside the UPDATE itself: two syncs
 * racing cannot move the cursor backwards. Returns whether it moved.
 */
export async function advanceHistoryCursor(
  db: Db,
  accountId: string,
  historyId: string,
  only: StillCurrent = {},
): Promise<boolean> {
  const result = await historyCursorUpdate(db, accountId, historyId, only);
  return result.rowsAffected > 0;
}

/** advanceHistoryCursor's one conditional UPDATE, built but not run, for a batch with other writes. */
export function historyCursorUpdate(db: Db, accountId: string, historyId: string, only: StillCurrent = {}) {
  if (!/^[1-9][0-9]{0,19}$/.test(historyId)) throw new RangeError('historyId must be a decimal uint64');
  // The sync's own move (under its lease) runs for every sync: built once.
  if (only.leaseOwner !== undefined && only.sealedRefreshToken === undefined)
    return heldCursorUpdate(db, { accountId, historyId, owner: only.leaseOwner });
  return db
    .update(gmailConnections)
    .set({ historyCursor: historyId })
    .where(and(eq(gmailConnections.accountId, accountId), ...stillCurrent(only), cursorBehind(historyId)));
}

const heldCursorUpdate = prebuilt((db: Db) =>
  db
    .update(gmailConnections)
    .set({ historyCursor: ph('historyId') })
    .where(
      and(
        eq(gmailConnections.accountId, ph('accountId')),
        eq(gmailConnections.syncLeaseOwner, ph('owner')),
        cursorBehind(ph('historyId')),
      ),
    ),
);

/**
 * The cursor is unset or before `historyId`, decided in SQL: uint64 decimal strings (no leading
 * zeros) compare by length, then lexically.
 */
export function cursorBehind(historyId: string | SQL) {
  const cursor = gmailConnections.historyCursor;
  return sql`(${cursor} IS NULL OR length(${cursor}) < length(${historyId}) OR (length(${cursor}) = length(${historyId}) AND ${cursor} < ${historyId}))`;
}

/** The same comparison in memory, for a cursor read back. */
export function isCursorBehind(cursor: string | null, historyId: string): boolean {
  if (cursor === null) return true;
  return cursor.length < historyId.length || (cursor.length === historyId.length && cursor < historyId);
}

/**
 * Conditions that keep a slow writer from touching a connection that changed under it: the sync
 * lease it holds (a disconnect clears it), or the sealed token it used (a reconnect replaces it).
 */
export interface StillCurrent {
  leaseOwner?: string;
  sealedRefreshToken?: string;
}

function stillCurrent(only: StillCurrent) {
  return [
    ...(only.leaseOwner !== undefined ? [eq(gmailConnections.syncLeaseOwner, only.leaseOwner)] : []),
    ...(only.sealedRefreshToken !== undefined
      ? [eq(gmailConnections.sealedRefreshToken, only.sealedRefreshToken)]
      : []),
  ];
}

/** True when the connection was marked; false when it changed meanwhile (see StillCurrent). */
export async function markGmailReconnectNeeded(db: Db, accountId: string, only: StillCurrent = {}): Promise<boolean> {
  const result = await db
    .update(gmailConnections)
    .set({ status: 'reconnect_needed' })
    .where(and(eq(gmailConnections.accountId, accountId), ...stillCurrent(only)));
  return result.rowsAffected > 0;
}

export async function touchGmailConnection(
  db: Db,
  accountId: string,
  fields: Partial<Pick<GmailConnection, 'lastSyncAt' | 'lastPushAt' | 'watchExpiresAt'>>,
): Promise<void> {
  await gmailConnectionTouch(db, accountId, fields);
}

/** touchGmailConnection's UPDATE, built but not run, for a batch with other writes. */
export function gmailConnectionTouch(
  db: Db,
  accountId: string,
  fields: Partial<Pick<GmailConnection, 'lastSyncAt' | 'lastPushAt' | 'watchExpiresAt'>>,
) {
  return db.update(gmailConnections).set(fields).where(eq(gmailConnections.accountId, accountId));
}

/**
 * A sync's time, in the run's last writes, while `owner` holds the lease (a run whose lease or
 * premise failed did not sync). Built once: it runs for every sync.
 */
export const lastSyncTouch = prebuilt<
  ReturnType<typeof gmailConnectionTouch>,
  { accountId: string; owner: string; at: number }
>((db) =>
  db
    .update(gmailConnections)
    .set({ lastSyncAt: ph('at') })
    .where(and(eq(gmailConnections.accountId, ph('accountId')), eq(gmailConnections.syncLeaseOwner, ph('owner')))),
);

/** A push's time, on the connection its mailbox key names (built once: it runs for every push). */
export const lastPushTouch = prebuilt<ReturnType<typeof gmailConnectionTouch>, { mailboxKey: string; at: number }>(
  (db) =>
    db
      .update(gmailConnections)
      .set({ lastPushAt: ph('at') })
      .where(eq(gmailConnections.mailboxKey, ph('mailboxKey'))),
);

/** Marks the open consent of this kind as withdrawn now; the record itself stays. */
export async function withdrawConsent(db: Db, accountId: string, kind: string, now: number): Promise<void> {
  await consentWithdrawal(db, accountId, kind, now);
}

function consentWithdrawal(db: Db, accountId: string, kind: string, now: number) {
  return db
    .update(consentRecords)
    .set({ withdrawnAt: now })
    .where(
      and(eq(consentRecords.accountId, accountId), eq(consentRecords.kind, kind), isNull(consentRecords.withdrawnAt)),
    );
}

/**
 * A new grant's record, ending the open one of its kind: a store or mailbox connected again replaces
 * the grant before it, so at most one is open per kind. Two statements, to send in one batch.
 */
export function consentGrant(
  db: Db,
  row: { id: string; accountId: string; kind: string; detail: string; version: string; grantedAt: number },
) {
  return [
    consentWithdrawal(db, row.accountId, row.kind, row.grantedAt),
    db.insert(consentRecords).values(row),
  ] as const;
}
