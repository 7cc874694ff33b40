import type { AccountSnapshot } from '../db/lease-on-premise';
import type { HistoryPage } from '../google/gmail';

/**
 * Where this isolate last left each mailbox's cursor, so a push can start reading Gmail's history
 * side by side with the database round trip that takes the lease, instead of after it. Only a hint:
 * the page read early is used only when the lease's read finds the very same cursor and refresh
 * token; otherwise it is dropped and read again. Holds ids, the sealed token and the account's
 * own settings and opt-out hashes (account records), never mail.
 */
export interface KnownCursor {
  accountId: string;
  /** The sealed refresh token the cursor was read with (a reconnect changes it). */
  sealedRefreshToken: string;
  cursor: string;
  /** The account as the run that left the cursor read it, when it is small enough to remember (sync.ts syncOnPremise). */
  snapshot?: AccountSnapshot;
}

/** Bounded, oldest forgotten first: an isolate serves at most this many mailboxes' hints. */
export const KNOWN_CURSORS_MAX = 1000;

export interface KnownCursors {
  get(mailboxKey: string): KnownCursor | undefined;
  set(mailboxKey: string, known: KnownCursor): void;
  forget(mailboxKey: string): void;
}

export function createKnownCursors(max = KNOWN_CURSORS_MAX): KnownCursors {
  const known = new Map<string, KnownCursor>();
  return {
    get: (key) => known.get(key),
    set(key, value) {
      known.delete(key); // re-inserted last: the Map's order is the eviction order
      known.set(key, value);
      if (known.size > max) known.delete(known.keys().next().value!);
    },
    forget: (key) => void known.delete(key),
  };
}

/** A history page asked for before the lease was taken, with what it was asked with. */
export interface EarlyHistory extends KnownCursor {
  /** The refresh token, opened for the early read: the run reuses it rather than opening it again. */
  refreshToken: Promise<string>;
  page: Promise<HistoryPage>;
}
