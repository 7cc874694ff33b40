import { eq } from 'drizzle-orm';
import { getGmailConnection, getStoreConnection, withdrawConsent } from '../db/accounts';
import { compactAfterErasure, deleteAccountData } from '../compliance/erase';
import { complianceRequests, gmailConnections, storeAuthNonces, storeConnections } from '../db/schema';
import { revokeToken } from '../google/oauth';
import { newId } from '../platform/ids';
import { errorClass } from '../platform/log';
import { sealedAs } from '../db/sealed';
import type { Services } from '../services';
import { removeWooWebhooks } from './woo-webhook-registration';

export interface GmailDisconnect {
  /** Google confirmed the grant is gone (or it already was). False: ask the merchant to remove it at Google. */
  revoked: boolean;
}

/**
 * Stops the push watch, revokes the grant at Google and deletes our sealed token. Our copy is
 * deleted even when Google cannot be reached or the token cannot be opened: the merchant asked us
 * to let go, and a token we no longer hold cannot be used by us. The row stays, marked
 * 'disconnected' with no token and no cursor, so that signing in again finds this account.
 */
export async function disconnectGmail(s: Services, accountId: string): Promise<GmailDisconnect> {
  const gmail = await getGmailConnection(s.db, accountId);
  if (!gmail) return { revoked: true };
  let revoked = true;
  if (gmail.sealedRefreshToken) {
    revoked = false;
    try {
      const refreshToken = await s.sealer.open(gmail.sealedRefreshToken, sealedAs.gmailRefreshToken(accountId));
      await s
        .openMailbox(refreshToken)
        .stop()
        // An invalid grant has no watch worth stopping; any other watch expires within 7 days.
        .catch((err) => s.logger.warn('gmail.stop_failed', { accountId, errorClass: errorClass(err) }));
      const result = await revokeToken(s.googleOAuth, refreshToken);
      revoked = result.ok || result.reason === 'already_invalid';
    } catch (err) {
      s.logger.warn('gmail.revoke_failed', { accountId, errorClass: errorClass(err) });
    }
  }
  await s.db
    .update(gmailConnections)
    .set({
      sealedRefreshToken: null,
      historyCursor: null,
      watchExpiresAt: null,
      status: 'disconnected',
      syncLeaseOwner: null,
      syncLeaseUntil: null,
      failingMessageTag: null,
      failingMessageAttempts: 0,
      failingMessageSince: null,
    })
    .where(eq(gmailConnections.accountId, accountId));
  await withdrawConsent(s.db, accountId, 'google_scopes', s.now());
  s.logger.info('gmail.disconnected', { accountId, reason: revoked ? 'revoked' : 'revoke_unconfirmed' });
  return { revoked };
}

/** Deletes the store connection and its sealed credentials (and our webhooks in the store), and withdraws the store grant. */
export async function disconnectStore(s: Services, accountId: string): Promise<void> {
  const store = await getStoreConnection(s.db, accountId);
  if (store) {
    // Our webhooks in the store go first, while we still hold the keys to remove them.
    if (store.kind === 'woocommerce') await removeWooWebhooks(s, store);
    await s.db.delete(storeConnections).where(eq(storeConnections.id, store.id));
    await withdrawConsent(s.db, accountId, 'store_access', s.now());
    s.logger.info('store.disconnected', { accountId, reason: store.kind });
  }
  await s.db.delete(storeAuthNonces).where(eq(storeAuthNonces.accountId, accountId));
}

/**
 * Deletes the account: Gmail revoked and stopped, store disconnected, every row deleted table by
 * table (not trusting ON DELETE CASCADE, which a libSQL server may not enforce), then the local
 * database file compacted so the deleted bytes do not linger in free pages. What remains is one
 * compliance record saying a deletion happened and when, with no account id, address or shop.
 */
export async function deleteAccount(s: Services, accountId: string): Promise<GmailDisconnect> {
  const received = s.now();
  const gmail = await disconnectGmail(s, accountId);
  await disconnectStore(s, accountId);
  await deleteAccountData(s.db, accountId);
  await s.db
    .update(complianceRequests)
    .set({ accountId: null, storeDomain: null })
    .where(eq(complianceRequests.accountId, accountId));
  await s.db.insert(complianceRequests).values({
    id: newId('cmp'),
    accountId: null,
    source: 'merchant',
    topic: 'account/delete',
    receivedAt: received,
    completedAt: s.now(),
    outcome: gmail.revoked ? 'deleted' : 'deleted_revoke_unconfirmed',
  });
  await compactAfterErasure(s.db);
  s.logger.info('account.deleted', { accountId });
  return gmail;
}
