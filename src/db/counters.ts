import { sql } from 'drizzle-orm';
import { utcDay } from '../platform/ids';
import type { Db } from './client';
import { dailyCounters } from './schema';

/** Daily aggregate counts per account: the only trace processing leaves. Names, never content. */
export type CounterName =
  | 'notifications'
  | 'seen'
  | 'drafted'
  | `skipped:${string}`
  /** A WooCommerce webhook that one of our stores signed, sent under another address (X-WC-Webhook-Source): refused. */
  | typeof WOO_WEBHOOK_SOURCE_MISMATCH
  | `error:${string}`;

export const WOO_WEBHOOK_SOURCE_MISMATCH = 'error:woo_webhook_source_mismatch';

export async function bumpCounters(
  db: Db,
  accountId: string,
  counts: Partial<Record<CounterName, number>>,
  nowMs: number,
): Promise<void> {
  const upsert = counterUpsert(db, accountId, counts, nowMs);
  if (upsert) await upsert;
}

/** The one statement that adds `counts` to today's counters, to run alone or in a batch; null when there is nothing to add. */
export function counterUpsert(db: Db, accountId: string, counts: Partial<Record<CounterName, number>>, nowMs: number) {
  const day = utcDay(nowMs);
  const rows = Object.entries(counts)
    .filter(([, n]) => n && n > 0)
    .map(([name, n]) => ({ accountId, day, name, count: n as number }));
  if (!rows.length) return null;
  return db
    .insert(dailyCounters)
    .values(rows)
    .onConflictDoUpdate({
      target: [dailyCounters.accountId, dailyCounters.day, dailyCounters.name],
      set: { count: sql`${dailyCounters.count} + excluded.count` },
    });
}

export async function countersFor(db: Db, accountId: string, day: string): Promise<Record<string, number>> {
  const rows = await db.query.dailyCounters.findMany({
    where: (t, { and, eq }) => and(eq(t.accountId, accountId), eq(t.day, day)),
  });
  return Object.fromEntries(rows.map((r) => [r.name, r.count]));
}
