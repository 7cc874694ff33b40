import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Db } from './client';
import { storeAuthNonces } from './schema';

/** Statements on store_auth_nonces (the WooCommerce authorize round trip): rows are keyed by the nonce's hash. */

export async function insertStoreNonce(
  db: Db,
  row: { nonceHash: string; accountId: string; storeUrl: string; expiresAt: number },
): Promise<void> {
  await db.insert(storeAuthNonces).values(row);
}

/** Marks the nonce used, in one statement, and returns what it was for; null when unknown, used or expired. */
export async function markStoreNonceUsed(
  db: Db,
  nonceHash: string,
  now: number,
): Promise<{ accountId: string; storeUrl: string } | null> {
  const [row] = await db
    .update(storeAuthNonces)
    .set({ usedAt: now })
    .where(
      and(eq(storeAuthNonces.nonceHash, nonceHash), isNull(storeAuthNonces.usedAt), gt(storeAuthNonces.expiresAt, now)),
    )
    .returning({ accountId: storeAuthNonces.accountId, storeUrl: storeAuthNonces.storeUrl });
  return row ?? null;
}

const ofAccount = (accountId: string, nonceHash: string) =>
  and(eq(storeAuthNonces.nonceHash, nonceHash), eq(storeAuthNonces.accountId, accountId));

/** This account's nonce row; undefined for a nonce of another account or none at all. */
export async function findStoreNonce(db: Db, accountId: string, nonceHash: string) {
  return db.query.storeAuthNonces.findFirst({ where: ofAccount(accountId, nonceHash) });
}

export async function deleteStoreNonce(db: Db, accountId: string, nonceHash: string): Promise<void> {
  await db.delete(storeAuthNonces).where(ofAccount(accountId, nonceHash));
}

/** Deletes nonces that expired before `now`, used or not. Returns how many went. */
export async function deleteExpiredStoreNonces(db: Db, now: number): Promise<number> {
  const result = await db.delete(storeAuthNonces).where(lt(storeAuthNonces.expiresAt, now));
  return result.rowsAffected;
}
