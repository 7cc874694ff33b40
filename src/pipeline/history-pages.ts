import { GmailApiError, type GmailMailbox, type HistoryPage } from '../google/gmail';
import type { MessageRef } from './handle-message';

/** How many recent inbox messages to look at when Gmail says our cursor is too old. */
export const RECOVERY_LIMIT = 25;
/** Pages of history.list read in one run; what lies beyond is left for the next run (the cursor says where). */
export const MAX_HISTORY_PAGES = 20;

/** One page of new inbox messages, and where the cursor may go once they are handled. */
export interface Page {
  refs: MessageRef[];
  /** Where the cursor goes once every message of this page is handled. */
  cursorAfter: string;
  last: boolean;
  /** The run stopped reading with history left unread (MAX_HISTORY_PAGES). */
  truncated: boolean;
}

/**
 * New inbox messages since the cursor, page by page, each message once. A cursor Gmail no longer
 * knows (404) gives one page of the most recent inbox messages instead (messages.list, bounded),
 * oldest first, after which the cursor goes to the mailbox's historyId read before the listing:
 * whatever arrives meanwhile is read next time. The per-thread checks keep that from drafting twice.
 */
export async function* readNewMessages(
  mailbox: GmailMailbox,
  cursor: string,
  /** The first page, already asked for from this cursor (known-cursors.ts). */
  firstPage?: Promise<HistoryPage>,
): AsyncGenerator<Page> {
  const seen = new Set<string>();
  let pageToken: string | undefined;
  let reached = cursor;
  for (let n = 1; n <= MAX_HISTORY_PAGES; n++) {
    let result;
    try {
      result = await (n === 1 && firstPage ? firstPage : mailbox.listHistory(cursor, pageToken));
    } catch (err) {
      if (!(n === 1 && err instanceof GmailApiError && err.status === 404)) throw err;
      const profile = await mailbox.getProfile();
      const recent = await mailbox.listRecentInbox(RECOVERY_LIMIT);
      yield {
        refs: recent
          .reverse()
          .map((m) => ({ messageId: m.id, threadId: m.threadId, labelIds: ['INBOX'], historyId: null })),
        cursorAfter: profile.historyId,
        last: true,
        truncated: false,
      };
      return;
    }
    const refs = result.records.filter((r) => !seen.has(r.messageId));
    refs.forEach((r) => seen.add(r.messageId));
    const more = !!result.nextPageToken;
    // With pages left, the cursor may only go as far as this page's last record (a page without
    // records leaves it where the page before left it).
    const cursorAfter = more ? (result.lastRecordId ?? reached) : result.historyId;
    reached = cursorAfter;
    const last = !more || n === MAX_HISTORY_PAGES;
    yield { refs, cursorAfter, last, truncated: more && n === MAX_HISTORY_PAGES };
    if (!more) return;
    pageToken = result.nextPageToken!;
  }
}
