import { and, eq } from 'drizzle-orm';
import {
  advanceHistoryCursor,
  getAccount,
  getGmailConnection,
  getStoreConnection,
  markGmailReconnectNeeded,
  touchGmailConnection,
} from '../db/accounts';
import { bumpCounters, type CounterName } from '../db/counters';
import { optOuts } from '../db/schema';
import { GmailApiError, type GmailMailbox } from '../google/gmail';
import { GoogleAuthError } from '../google/oauth';
import { errorClass } from '../platform/log';
import { sealedAs, type Services, type StoreCredentials } from '../services';
import { handleMessage, type MessageContext, type MessageRef } from './handle-message';

export type SyncResult =
  | { status: 'synced'; seen: number; drafted: number }
  | { status: 'cursor_initialised' }
  | { status: 'skipped'; reason: 'no_account' | 'not_connected' | 'reconnect_needed' | 'no_store' };

/** How many recent inbox messages to look at when Gmail says our cursor is too old. */
const RECOVERY_LIMIT = 25;
/** Pages of history.list read in one run; what lies beyond is left for the next run (the cursor says where). */
const MAX_HISTORY_PAGES = 20;

/**
 * sync(account): read what arrived since the cursor, handle each new inbox message, move the cursor.
 * A retryable failure throws before the cursor moves, so the queue re-runs the whole step; the
 * one-draft-per-thread check makes the re-run safe.
 */
export async function syncAccount(s: Services, accountId: string): Promise<SyncResult> {
  const [account, gmail, store] = await Promise.all([
    getAccount(s.db, accountId),
    getGmailConnection(s.db, accountId),
    getStoreConnection(s.db, accountId),
  ]);
  if (!account) return { status: 'skipped', reason: 'no_account' };
  if (!gmail?.sealedRefreshToken) return { status: 'skipped', reason: 'not_connected' };
  if (gmail.status !== 'active') return { status: 'skipped', reason: 'reconnect_needed' };
  if (!store?.sealedCredentials || store.status !== 'active') return { status: 'skipped', reason: 'no_store' };

  const refreshToken = await s.sealer.open(gmail.sealedRefreshToken, sealedAs.gmailRefreshToken(accountId));
  const credentials = JSON.parse(
    await s.sealer.open(store.sealedCredentials, sealedAs.storeCredentials(store.id)),
  ) as StoreCredentials;
  const mailbox = s.openMailbox(refreshToken);

  try {
    if (!gmail.historyCursor) {
      const profile = await mailbox.getProfile();
      await advanceHistoryCursor(s.db, accountId, profile.historyId);
      return { status: 'cursor_initialised' };
    }

    const { refs, historyId } = await collectNewMessages(mailbox, gmail.historyCursor);
    const ctx: MessageContext = {
      mailbox,
      mailboxAddress: gmail.mailbox,
      orders: s.openOrderSource(store, credentials),
      writer: s.replyWriter,
      voice: {
        shopName: account.shopName ?? 'our shop',
        tone: account.tone,
        signOffName: account.signOffName ?? account.shopName ?? 'The team',
        fallbackLanguage: account.fallbackLanguage,
      },
      signature: account.signature,
      connectedAt: gmail.connectedAt,
      hashKey: s.config.secrets.hashKey,
      now: s.now,
      isOptedOut: async (hash) =>
        !!(await s.db.query.optOuts.findFirst({
          columns: { addressHash: true },
          where: and(eq(optOuts.accountId, accountId), eq(optOuts.addressHash, hash)),
        })),
    };

    const counts: Partial<Record<CounterName, number>> = {};
    const bump = (name: CounterName) => (counts[name] = (counts[name] ?? 0) + 1);
    try {
      for (const ref of refs) {
        bump('seen');
        if (account.paused) {
          bump('skipped:paused');
          continue;
        }
        const outcome = await handleMessage(ctx, ref);
        bump(outcome.kind === 'drafted' ? 'drafted' : `skipped:${outcome.reason}`);
      }
    } finally {
      // What was handled is counted even when a later message fails and the step is retried.
      await bumpCounters(s.db, accountId, counts, s.now());
    }

    await advanceHistoryCursor(s.db, accountId, historyId);
    await touchGmailConnection(s.db, accountId, { lastSyncAt: s.now() });
    s.logger.info('sync.done', { accountId, count: refs.length });
    return { status: 'synced', seen: refs.length, drafted: counts.drafted ?? 0 };
  } catch (err) {
    if (err instanceof GoogleAuthError && err.code === 'invalid_grant') {
      await markGmailReconnectNeeded(s.db, accountId);
      s.logger.warn('sync.reconnect_needed', { accountId });
      return { status: 'skipped', reason: 'reconnect_needed' };
    }
    await bumpCounters(s.db, accountId, { [`error:${errorClass(err)}`]: 1 }, s.now());
    throw err;
  }
}

/**
 * New inbox messages since the cursor, in arrival order, each once; and the historyId to move the
 * cursor to once they are handled. A cursor Gmail no longer knows (404) falls back to the most
 * recent inbox messages; the per-thread draft check keeps that from drafting twice.
 */
async function collectNewMessages(
  mailbox: GmailMailbox,
  cursor: string,
): Promise<{ refs: MessageRef[]; historyId: string }> {
  const refs = new Map<string, MessageRef>();
  let historyId = cursor;
  let pageToken: string | undefined;
  try {
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const result = await mailbox.listHistory(cursor, pageToken);
      for (const r of result.records) {
        if (!refs.has(r.messageId)) refs.set(r.messageId, { messageId: r.messageId, threadId: r.threadId, labelIds: r.labelIds });
      }
      if (!result.nextPageToken) {
        historyId = result.historyId;
        break;
      }
      // More pages remain: if this run stops here, the cursor must not pass what it has not read.
      historyId = result.lastRecordId ?? historyId;
      pageToken = result.nextPageToken;
    }
  } catch (err) {
    if (!(err instanceof GmailApiError && err.status === 404)) throw err;
    const profile = await mailbox.getProfile();
    const recent = await mailbox.listRecentInbox(RECOVERY_LIMIT);
    return {
      refs: recent.reverse().map((m) => ({ messageId: m.id, threadId: m.threadId, labelIds: ['INBOX'] })),
      historyId: profile.historyId,
    };
  }
  return { refs: [...refs.values()], historyId };
}
