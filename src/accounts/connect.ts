import { eq } from 'drizzle-orm';
import {
  advanceHistoryCursor,
  getGmailConnection,
  getStoreConnection,
  consentGrant,
  type StoreConnection,
} from '../db/accounts';
import { bumpCounters } from '../db/counters';
import { accounts, gmailConnections, storeConnections } from '../db/schema';
import { newId } from '../platform/ids';
import { sealedAs, type StoreCredentials } from '../db/sealed';
import type { Services } from '../services';
import { registerWooWebhooks, removeWooWebhooks } from './woo-webhook-registration';
import { normaliseAddress } from '../crypto/hmac';
import { DRAFT_KINDS } from '../drafting/kinds';
import { mailboxKeyOf } from '../google/mailbox-key';
import { classifyFailure } from '../pipeline/failures';

/** The version of the wording a merchant agrees to when connecting; bump it when the wording changes. */
export const CONSENT_VERSION = '2026-11-25';

export async function createAccount(
  s: Services,
  settings: { shopName?: string | null; signOffName?: string | null } = {},
): Promise<string> {
  const id = newId('acc');
  await s.db.insert(accounts).values({
    id,
    createdAt: s.now(),
    shopName: settings.shopName ?? null,
    signOffName: settings.signOffName ?? null,
    draftKinds: DRAFT_KINDS.join(','),
  });
  return id;
}

/**
 * Stores a Gmail grant: the refresh token sealed to this row, the scopes as a consent record, then
 * a push watch on INBOX.
 *  - First connection (or after a disconnect): the cursor starts at the watch's historyId, so only
 *    mail that arrives from now on is read.
 *  - Signing in again while connected, or reconnecting after Google revoked access: the cursor and
 *    the connection time are kept, so mail that arrived in between is still drafted. The refresh
 *    token it replaces is not revoked: Google revokes a whole grant with any one of its tokens,
 *    the new one included.
 */
export async function connectGmail(
  s: Services,
  input: {
    accountId: string;
    mailbox: string;
    refreshToken: string;
    grantedScopes: string[];
    /** Where the mailbox's history stood at sign-in: the cursor's start if no watch can be set. */
    profileHistoryId?: string;
  },
): Promise<void> {
  const now = s.now();
  const mailbox = normaliseAddress(input.mailbox);
  const previous = await getGmailConnection(s.db, input.accountId);
  const resume = !!previous && previous.status !== 'disconnected' && previous.mailbox === mailbox;

  const sealed = await s.sealer.seal(input.refreshToken, sealedAs.gmailRefreshToken(input.accountId));
  const row = {
    mailbox,
    mailboxKey: await mailboxKeyOf(s.config.secrets.hashKey, mailbox),
    sealedRefreshToken: sealed,
    grantedScopes: input.grantedScopes.join(' '),
    status: 'active' as const,
    // A new connection (another mailbox, or after a disconnect) also takes the lease from a run
    // still working on the old one: its cursor and counts must not land on this mailbox.
    ...(resume
      ? {}
      : {
          historyCursor: null,
          watchExpiresAt: null,
          connectedAt: now,
          syncLeaseOwner: null,
          syncLeaseUntil: null,
          syncRerunRequested: false,
        }),
  };
  await s.db.batch([
    s.db
      .insert(gmailConnections)
      .values({ accountId: input.accountId, connectedAt: now, ...row })
      .onConflictDoUpdate({ target: gmailConnections.accountId, set: row }),
    ...consentGrant(s.db, {
      id: newId('con'),
      accountId: input.accountId,
      kind: 'google_scopes',
      detail: row.grantedScopes,
      version: CONSENT_VERSION,
      grantedAt: now,
    }),
  ]);

  const watch = await watchInbox(s, input.accountId, input.refreshToken);
  const start = watch?.historyId ?? input.profileHistoryId;
  if ((!resume || !previous?.historyCursor) && start) await advanceHistoryCursor(s.db, input.accountId, start);
  // No watch: an old expiry (a grant replaced since) must not keep the cron from setting one.
  await s.db
    .update(gmailConnections)
    .set({ watchExpiresAt: watch?.expiration ?? null })
    .where(eq(gmailConnections.accountId, input.accountId));
}

/**
 * users.watch, or null when Google refuses it for now. A refused watch does not undo the sign-in:
 * the mailbox is still polled every 15 minutes, and the cron sets a watch that was never set on its
 * next tick. Counted and logged (class only), like a failed renewal.
 */
async function watchInbox(s: Services, accountId: string, refreshToken: string) {
  try {
    return await s.openMailbox(refreshToken).watch(s.config.google.pubsubTopic);
  } catch (err) {
    const { class: errorClass } = classifyFailure(err);
    await bumpCounters(s.db, accountId, { [`error:${errorClass}`]: 1 }, s.now());
    s.logger.warn('account.watch_failed', { accountId, errorClass });
    return null;
  }
}

/**
 * Stores a store connection with its credentials sealed to the row, and the grant as consent.
 * WooCommerce: our webhooks are registered in the store (a replaced connection's are removed);
 * a store that refuses is marked 'failing' and retried by the cron, the connection still stands.
 */
export async function connectStore(
  s: Services,
  input: { accountId: string; storeDomain: string; credentials: StoreCredentials; scopes: string },
): Promise<string> {
  const { id, previous } = await replaceStoreConnection(s, input);
  if (previous) await removeWooWebhooks(s, previous);
  if (input.credentials.kind === 'woocommerce')
    await registerWooWebhooks(s, (await getStoreConnection(s.db, input.accountId))!);
  return id;
}

/**
 * The account's store connection replaced in one batch (one transaction: never none, never two),
 * credentials sealed to the new row, the grant recorded as consent and the replaced one ended; no
 * request to any store.
 * Returns the new row's id and the connection it replaced (its sealed values still open).
 */
export async function replaceStoreConnection(
  s: Services,
  input: { accountId: string; storeDomain: string; credentials: StoreCredentials; scopes: string },
): Promise<{ id: string; previous: StoreConnection | undefined }> {
  const id = newId('sto');
  const sealed = await s.sealer.seal(JSON.stringify(input.credentials), sealedAs.storeCredentials(id));
  const previous = await getStoreConnection(s.db, input.accountId);
  await s.db.batch([
    s.db.delete(storeConnections).where(eq(storeConnections.accountId, input.accountId)),
    s.db.insert(storeConnections).values({
      id,
      accountId: input.accountId,
      kind: input.credentials.kind,
      storeDomain: input.storeDomain,
      sealedCredentials: sealed,
      status: 'active',
      connectedAt: s.now(),
    }),
    ...consentGrant(s.db, {
      id: newId('con'),
      accountId: input.accountId,
      kind: 'store_access',
      detail: `${input.credentials.kind} ${input.scopes}`,
      version: CONSENT_VERSION,
      grantedAt: s.now(),
    }),
  ]);
  return { id, previous };
}
