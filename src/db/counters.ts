import { sql } from 'drizzle-orm';
import type { FailureClass } from '../pipeline/failures';
import type { SkipReason } from '../pipeline/filters';
import { utcDay } from '../platform/ids';
import type { Db } from './client';
import { dailyCounters, gmailConnections } from './schema';

/**
 * Daily aggregate counts per account: the only trace processing leaves. Names, never content.
 * Every name comes from a union (the pipeline's skip reasons and failure classes, and the events
 * below), so a misspelt counter does not compile. The unions are imported as types only: db/
 * depends on no pipeline code.
 */
export type CounterName =
  | 'notifications'
  | 'seen'
  | 'drafted'
  | `skipped:${SkipReason}`
  | `error:${FailureClass | AccountEvent}`;

/** Counted as errors without being a message's failure. */
type AccountEvent =
  /** A queue message that used up its retries (pipeline/consume.ts, the dead-letter consumer). */
  | 'dead_lettered'
  /** Shopify has not approved the app's access to customer data: drafts disclose nothing. */
  | 'customer_data_not_approved'
  /** A WooCommerce webhook that one of our stores signed, sent under another address (X-WC-Webhook-Source): refused. */
  | 'woo_webhook_source_mismatch';

export const WOO_WEBHOOK_SOURCE_MISMATCH = 'error:woo_webhook_source_mismatch' satisfies CounterName;

export async function bumpCounters(
  db: Db,
  accountId: string,
  counts: Partial<Record<CounterName, number>>,
  nowMs: number,
): Promise<void> {
  const upsert = counterUpsert(db, accountId, counts, nowMs);
  if (upsert) await upsert;
}

/** The counts worth a row: those above zero. */
function toAdd(counts: Partial<Record<CounterName, number>>): [string, number][] {
  return Object.entries(counts).filter((entry): entry is [string, number] => !!entry[1] && entry[1] > 0);
}

/** The one statement that adds `counts` to today's counters, to run alone or in a batch; null when there is nothing to add. */
export function counterUpsert(db: Db, accountId: string, counts: Partial<Record<CounterName, number>>, nowMs: number) {
  const day = utcDay(nowMs);
  const rows = toAdd(counts).map(([name, n]) => ({ accountId, day, name, count: n }));
  if (!rows.length) return null;
  return db
    .insert(dailyCounters)
    .values(rows)
    .onConflictDoUpdate({
      target: [dailyCounters.accountId, dailyCounters.day, dailyCounters.name],
      set: { count: sql`${dailyCounters.count} + excluded.count` },
    });
}

/**
 * counterUpsert that adds only while `leaseOwner` holds the account's sync lease: a run's counts
 * go in with its cursor, so a run whose lease (or premise) failed counts nothing, and the run that
 * handles its mail instead counts it once. Null when there is nothing to add.
 */
export function heldCounterUpsert(
  db: Db,
  accountId: string,
  leaseOwner: string,
  counts: Partial<Record<CounterName, number>>,
  nowMs: number,
) {
  const day = utcDay(nowMs);
  const rows = toAdd(counts).map(([name, n]) => sql`(${day}, ${name}, ${n})`);
  if (!rows.length) return null;
  const g = gmailConnections;
  // SQLite names a VALUES list's columns column1, column2, …; WHERE as in mailboxKeyCounterUpsert.
  return db.run(sql`
    INSERT INTO ${dailyCounters} (account_id, day, name, count)
    SELECT ${g.accountId}, v.column1, v.column2, v.column3 FROM (VALUES ${sql.join(rows, sql`, `)}) AS v, ${g}
    WHERE ${g.accountId} = ${accountId} AND ${g.syncLeaseOwner} = ${leaseOwner}
    ON CONFLICT (account_id, day, name) DO UPDATE SET count = count + excluded.count`);
}

/**
 * counterUpsert for the account a push named by its mailbox key (google/mailbox-key.ts): the
 * account is found in the same statement, and nothing is counted for an unknown mailbox.
 */
export function mailboxKeyCounterUpsert(db: Db, mailboxKey: string, name: CounterName, nowMs: number, by = 1) {
  // WHERE keeps SQLite from reading ON CONFLICT as part of the SELECT (sqlite.org/lang_upsert.html, "parsing ambiguity").
  return db.run(sql`
    INSERT INTO ${dailyCounters} (account_id, day, name, count)
    SELECT ${gmailConnections.accountId}, ${utcDay(nowMs)}, ${name}, ${by} FROM ${gmailConnections} WHERE ${gmailConnections.mailboxKey} = ${mailboxKey}
    ON CONFLICT (account_id, day, name) DO UPDATE SET count = count + excluded.count`);
}

export async function countersFor(db: Db, accountId: string, day: string): Promise<Record<string, number>> {
  const rows = await db.query.dailyCounters.findMany({
    where: (t, { and, eq }) => and(eq(t.accountId, accountId), eq(t.day, day)),
  });
  return Object.fromEntries(rows.map((r) => [r.name, r.count]));
}
