import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import { hashAddress } from '../crypto/hmac';
import { getGmailConnection, withdrawConsent } from '../db/accounts';
import type { Db } from '../db/client';
import {
  accounts,
  complianceRequests,
  consentRecords,
  dailyCounters,
  gmailConnections,
  optOuts,
  storeAuthNonces,
  storeConnections,
} from '../db/schema';
import { ERASED_STORE_PREFIX } from './records';

/**
 * The deletions behind compliance requests. Each is idempotent (running it twice deletes nothing
 * more and fails nothing), so a redelivered or resumed request can simply run it again.
 */

type StoreKind = 'shopify' | 'woocommerce';

/**
 * Accounts whose store connection is this Shopify shop (compared case-insensitively); with
 * `connectedBy`, only connections made by then.
 */
export async function accountsForShop(db: Db, shopDomain: string, connectedBy?: number): Promise<string[]> {
  const rows = await db
    .select({ accountId: storeConnections.accountId })
    .from(storeConnections)
    .where(
      and(
        eq(storeConnections.kind, 'shopify'),
        sql`lower(${storeConnections.storeDomain}) = ${shopDomain.toLowerCase()}`,
        connectedBy === undefined ? undefined : lte(storeConnections.connectedAt, connectedBy),
      ),
    );
  return rows.map((r) => r.accountId);
}

/** Deletes the opt-out kept for one address in these accounts. Returns how many rows went. */
export async function eraseOptOut(db: Db, accountIds: string[], addressHash: string): Promise<number> {
  if (!accountIds.length) return 0;
  const result = await db
    .delete(optOuts)
    .where(and(inArray(optOuts.accountId, accountIds), eq(optOuts.addressHash, addressHash)));
  return result.rowsAffected;
}

export async function hasOptOut(db: Db, accountIds: string[], addressHash: string): Promise<boolean> {
  if (!accountIds.length) return false;
  const row = await db.query.optOuts.findFirst({
    columns: { createdAt: true },
    where: and(inArray(optOuts.accountId, accountIds), eq(optOuts.addressHash, addressHash)),
  });
  return !!row;
}

/**
 * app/uninstalled: the access token is dead on Shopify's side; delete our sealed copy at once and
 * pause drafting. The connection row stays (marked 'uninstalled') until shop/redact, 48 hours later,
 * so a reinstall in between finds the merchant's settings.
 *
 * Only connections made by `receivedAt` (when the notice first arrived) are the uninstalled
 * installation: a retried or resumed notice must not end an installation made since.
 */
export async function forgetShopToken(db: Db, shopDomain: string, receivedAt: number): Promise<string[]> {
  const accountIds = await accountsForShop(db, shopDomain, receivedAt);
  if (!accountIds.length) return [];
  await db
    .update(storeConnections)
    .set({ sealedCredentials: null, status: 'uninstalled' })
    .where(
      and(
        eq(storeConnections.kind, 'shopify'),
        inArray(storeConnections.accountId, accountIds),
        lte(storeConnections.connectedAt, receivedAt),
      ),
    );
  await db.update(accounts).set({ paused: true }).where(inArray(accounts.id, accountIds));
  return accountIds;
}

/**
 * shop/redact (and any "erase this store"): delete the store connection; withdraw the store grant;
 * and when the account has nothing left (no Gmail connection), delete the whole account. Opt-outs
 * stay while the account keeps its mailbox: they protect people from automated processing of the
 * mail that still arrives there.
 */
export async function eraseStore(
  db: Db,
  kind: StoreKind,
  accountIds: string[],
  now: number,
): Promise<{ storesErased: number; accountsErased: number }> {
  let storesErased = 0;
  let accountsErased = 0;
  for (const accountId of accountIds) {
    const deleted = await db
      .delete(storeConnections)
      .where(and(eq(storeConnections.accountId, accountId), eq(storeConnections.kind, kind)));
    storesErased += deleted.rowsAffected;
    await withdrawConsent(db, accountId, 'store_access', now);
    if (!(await getGmailConnection(db, accountId))) {
      await deleteAccountData(db, accountId);
      accountsErased++;
    }
  }
  return { storesErased, accountsErased };
}

/**
 * Everything keyed to an account, table by table. Explicit rather than trusting ON DELETE CASCADE,
 * which needs foreign keys switched on for the connection (true for the local file, not promised by
 * every libSQL server). Compliance records stay: they hold no personal data and prove the deletion.
 */
export async function deleteAccountData(db: Db, accountId: string): Promise<void> {
  await db.delete(dailyCounters).where(eq(dailyCounters.accountId, accountId));
  await db.delete(optOuts).where(eq(optOuts.accountId, accountId));
  await db.delete(consentRecords).where(eq(consentRecords.accountId, accountId));
  await db.delete(storeAuthNonces).where(eq(storeAuthNonces.accountId, accountId));
  await db.delete(storeConnections).where(eq(storeConnections.accountId, accountId));
  await db.delete(gmailConnections).where(eq(gmailConnections.accountId, accountId));
  await db.delete(accounts).where(eq(accounts.id, accountId));
}

/**
 * After a shop is erased its domain must not linger in our own records either: every compliance
 * record naming it gets the domain's keyed hash instead (still comparable, no longer readable).
 * The statement, unrun, so that it goes in one batch with the request's completion.
 */
export function pseudonymiseStoreInRecords(db: Db, pseudonym: string, storeDomain: string) {
  return db
    .update(complianceRequests)
    .set({ storeDomain: pseudonym })
    .where(sql`lower(${complianceRequests.storeDomain}) = ${storeDomain.toLowerCase()}`);
}

/** What an erased shop's domain becomes in the records: ERASED_STORE_PREFIX and its keyed hash. */
export async function erasedStorePseudonym(hashKey: string, storeDomain: string): Promise<string> {
  return `${ERASED_STORE_PREFIX}${await hashAddress(hashKey, storeDomain)}`;
}

/**
 * SQLite deletes by unlinking: the bytes of a deleted row stay in free pages of the file until
 * they are reused, and so do the old versions of updated rows. After an erasure we rebuild the
 * file (VACUUM) so an erased address hash or shop domain is gone from disk, not just from queries.
 * Only for a local file: a libSQL server (Turso) manages its own storage, and VACUUM over HTTP is
 * neither possible nor ours to run.
 */
export async function compactAfterErasure(db: Db): Promise<'compacted' | 'not_local' | 'busy'> {
  const client = (db as unknown as { $client?: { protocol?: string } }).$client;
  if (client?.protocol !== 'file') return 'not_local';
  try {
    await db.run(sql`VACUUM`);
    return 'compacted';
  } catch {
    // Another connection is mid-transaction; the next erasure (or the cron backstop) compacts.
    return 'busy';
  }
}
