import { and, eq, gte } from 'drizzle-orm';
import {
  getAccount,
  getGmailConnection,
  getStoreConnection,
  type Account,
  type GmailConnection,
  type StoreConnection,
} from '../db/accounts';
import { dailyCounters } from '../db/schema';
import { utcDay } from '../platform/ids';
import type { Services } from '../services';

export interface AccountStatus {
  account: Account;
  gmail: GmailConnection | null;
  store: StoreConnection | null;
  draftedToday: number;
  draftedWeek: number;
  seenWeek: number;
  /** Skip reasons over the last 7 days, most frequent first. */
  skippedWeek: { reason: string; count: number }[];
  errorsWeek: number;
}

const DAY = 86_400_000;

/** What the status page shows: connection state and counts. Never any mail content (there is none to show). */
export async function accountStatus(s: Services, accountId: string): Promise<AccountStatus | null> {
  const [account, gmail, store] = await Promise.all([
    getAccount(s.db, accountId),
    getGmailConnection(s.db, accountId),
    getStoreConnection(s.db, accountId),
  ]);
  if (!account) return null;
  const today = utcDay(s.now());
  const weekStart = utcDay(s.now() - 6 * DAY);
  const rows = await s.db
    .select()
    .from(dailyCounters)
    .where(and(eq(dailyCounters.accountId, accountId), gte(dailyCounters.day, weekStart)));
  const sum = (pick: (name: string) => boolean, day?: string) =>
    rows.filter((r) => pick(r.name) && (!day || r.day === day)).reduce((n, r) => n + r.count, 0);
  const skipped = new Map<string, number>();
  for (const r of rows) {
    if (r.name.startsWith('skipped:')) skipped.set(r.name.slice(8), (skipped.get(r.name.slice(8)) ?? 0) + r.count);
  }
  return {
    account,
    gmail: gmail ?? null,
    store: store ?? null,
    draftedToday: sum((n) => n === 'drafted', today),
    draftedWeek: sum((n) => n === 'drafted'),
    seenWeek: sum((n) => n === 'seen'),
    skippedWeek: [...skipped].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    errorsWeek: sum((n) => n.startsWith('error:')),
  };
}
