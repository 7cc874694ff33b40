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
  | `error:${string}`;

export async function bumpCounters(
  db: Db,
  accountId: string,
  counts: Partial<Record<CounterName, number>>,
  nowMs: number,
): Promise<void> {
  const day = utcDay(nowMs);
  const rows = Object.entries(counts)
    .filter(([, n]) => n && n > 0)
    .map(([name, n]) => ({ accountId, day, name, count: n as number }));
  if (!rows.length) return;
  await db
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
